// vCenter Lab: dialogs, the tree's right-click menu, and drag and drop of hosts onto clusters.
// Everything here is an enhancement: each command is also a plain link or form.
(function () {
  "use strict";

  function dialog() { return document.getElementById("dialog"); }

  // A command's dialog arrives in #dialog-body: open the modal around it.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "dialog-body" && !dialog().open) { dialog().showModal(); }
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest("[data-close-dialog]");
    if (close && dialog() && dialog().open) { e.preventDefault(); dialog().close(); }
    var menu = document.getElementById("ctxmenu");
    if (menu && !menu.hidden && !e.target.closest("#ctxmenu form")) { menu.hidden = true; }
  });

  // Right-click on a tree node: the object's commands.
  document.addEventListener("contextmenu", function (e) {
    var node = e.target.closest(".tree .node[data-menu]");
    if (!node) { return; }
    e.preventDefault();
    var menu = document.getElementById("ctxmenu");
    htmx.ajax("GET", node.dataset.menu, { target: "#ctxmenu", swap: "innerHTML" }).then(function () {
      menu.style.left = Math.min(e.clientX, window.innerWidth - 260) + "px";
      menu.style.top = Math.min(e.clientY, window.innerHeight - menu.offsetHeight - 8) + "px";
      menu.hidden = false;
      var first = menu.querySelector("[role=menuitem]");
      if (first) { first.focus(); }
    });
  });
  document.addEventListener("keydown", function (e) {
    var menu = document.getElementById("ctxmenu");
    if (e.key === "Escape" && menu) { menu.hidden = true; }
  });

  // Drag a host onto a cluster (or back onto its datacenter), as the article does.
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var host = e.target.closest && e.target.closest(".tree .node.host");
    if (!host) { return; }
    dragged = host;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", host.dataset.moid);
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".tree .drop-over").forEach(function (n) { n.classList.remove("drop-over"); });
  });
  document.addEventListener("dragover", function (e) {
    var target = e.target.closest && e.target.closest(".tree .node.drop");
    if (!dragged || !target) { return; }
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    target.classList.add("drop-over");
  });
  document.addEventListener("dragleave", function (e) {
    var target = e.target.closest && e.target.closest(".tree .node.drop");
    if (target) { target.classList.remove("drop-over"); }
  });
  document.addEventListener("drop", function (e) {
    var target = e.target.closest && e.target.closest(".tree .node.drop");
    if (!dragged || !target) { return; }
    e.preventDefault();
    target.classList.remove("drop-over");
    // Success redirects to the host's page; a refusal comes back as the Move dialog with the reason.
    htmx.ajax("POST", dragged.dataset.moveUrl, {
      source: target, target: "#dialog-body", swap: "innerHTML", values: { destination: target.dataset.moid },
    });
    dragged = null;
  });
})();
