// The inventory tree's twisties: open and close a node; a lazy node (data-children, a big lab's
// cluster or host) fetches its children the first time it opens. The open nodes of a lazy tree
// are kept in the "vtree" cookie (most recent last) so the server draws them open on the next
// page: navigation under hx-boost keeps the tree as the user left it (inventory/selectors.py).
(function () {
  if (window.vtreeReady) { return; }
  window.vtreeReady = true;
  var COOKIE = "vtree", KEEP = 12;

  function opened() {
    var m = document.cookie.match(/(?:^|;\s*)vtree=([^;]*)/);
    return m && m[1] ? m[1].split(".") : [];
  }
  function remember(moid, open) {
    var list = opened().filter(function (m) { return m && m !== moid; });
    if (open) { list.push(moid); }
    document.cookie = COOKIE + "=" + list.slice(-KEEP).join(".") + "; path=/; SameSite=Lax";
  }

  document.addEventListener("click", function (e) {
    var twisty = e.target.closest && e.target.closest(".tree .twisty");
    if (!twisty) { return; }
    e.preventDefault();
    var li = twisty.parentElement, group = li.querySelector(":scope > ul");
    var open = li.getAttribute("aria-expanded") !== "true";
    li.setAttribute("aria-expanded", open ? "true" : "false");
    if (li.dataset.children) {
      remember(li.dataset.moid, open);
      if (open && group && !group.children.length) {
        group.innerHTML = '<li class="muted loading">Loading…</li>';
        htmx.ajax("GET", li.dataset.children, { target: group, swap: "innerHTML" });
      }
    }
  });
})();
