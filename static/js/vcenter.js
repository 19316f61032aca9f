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
    if (menu && !menu.hidden && !e.target.closest("#ctxmenu form, #ctxmenu summary")) { menu.hidden = true; }
  });

  // A double click is one click. While a form waits for its answer its controls are disabled and
  // further submits are dropped (hx-sync, hx-disabled-elt in the templates); the second click of a
  // double click that lands after a fast answer would hit the next step's button, so it is dropped
  // too: a dialog or wizard never takes two steps, nor runs its command twice, for one double click.
  document.addEventListener("click", function (e) {
    if (e.detail < 2 || !e.target.closest) { return; }
    var button = e.target.closest("button, input[type=submit]");
    if (button && button.form && button.type === "submit") { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

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
    // a submenu (Simulate failure): the right arrow opens it and enters it, the left one goes back
    var summary = e.target.closest && e.target.closest("#ctxmenu details.submenu > summary");
    if (summary && e.key === "ArrowRight") {
      e.preventDefault();
      summary.parentNode.open = true;
      var first = summary.parentNode.querySelector(".flyout [role=menuitem]");
      if (first) { first.focus(); }
    }
    var inside = e.target.closest && e.target.closest("#ctxmenu .flyout");
    if (inside && e.key === "ArrowLeft") {
      e.preventDefault();
      var details = inside.closest("details");
      details.open = false;
      details.querySelector("summary").focus();
    }
  });
  // A submenu opens on hover as well, and flies out on the side where it fits. Only a pointer that
  // moved counts: when the menu opens, a submenu opens or focus moves, the browser sends mouseover
  // events for whatever now lies under a pointer that stayed still (the menu opens where the right
  // click was), and those must not close the submenu the keyboard is in.
  var pointerX = null, pointerY = null, pointerMoved = false;
  function trackPointer(e) {
    if (e.clientX !== pointerX || e.clientY !== pointerY) { pointerMoved = true; }
    pointerX = e.clientX; pointerY = e.clientY;
  }
  document.addEventListener("mousemove", trackPointer, true);
  document.addEventListener("keydown", function () { pointerMoved = false; }, true);
  document.addEventListener("contextmenu", function (e) {
    pointerX = e.clientX; pointerY = e.clientY; pointerMoved = false;
  }, true);
  document.addEventListener("mouseover", function (e) {
    trackPointer(e);  // mouseover comes before the mousemove of the same motion
    if (!pointerMoved) { return; }
    var details = e.target.closest && e.target.closest("#ctxmenu details.submenu");
    document.querySelectorAll("#ctxmenu details.submenu[open]").forEach(function (d) {
      if (d !== details) { d.open = false; }
    });
    if (details && !details.open) { details.open = true; }
  });
  document.addEventListener("toggle", function (e) {
    var details = e.target;
    if (!details.matches || !details.matches("#ctxmenu details.submenu") || !details.open) { return; }
    var flyout = details.querySelector(".flyout");
    details.classList.remove("flip");
    flyout.style.top = "";
    var box = flyout.getBoundingClientRect();
    if (box.right > window.innerWidth - 4) { details.classList.add("flip"); }
    if (box.bottom > window.innerHeight - 4) { flyout.style.top = (window.innerHeight - 4 - box.bottom) + "px"; }
  }, true);

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
    if (treeHeld) { treeHeld = false; resync(); }
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
  // A live push must not replace the tree under a drag (the browser would cancel the drag): the
  // tree waits, and the page resyncs when the drag ends.
  var treeHeld = false;
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (dragged && e.detail.target && e.detail.target.id === "tree-body") { e.detail.shouldSwap = false; treeHeld = true; }
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

  // Re-fetch what the page holds (tree, pane, Recent Tasks) from the server: after a gap in the
  // live sequence numbers, a heartbeat ahead of the page, or a reconnect. One at a time: a resync
  // asked for while one runs makes one more afterwards.
  var resyncing = false, resyncAgain = false;
  function resync(attempt) {
    if (resyncing && !attempt) { resyncAgain = true; return; }
    resyncing = true;
    attempt = attempt || 0;
    function done() {
      resyncing = false;
      if (resyncAgain) { resyncAgain = false; resync(); }
    }
    fetch(window.location.href, { headers: { "HX-Request": "true", "HX-Boosted": "true" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return done(); }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fetched = doc.getElementById("live-seq"), current = document.getElementById("live-seq");
        if (fetched && current && +fetched.dataset.seq < +current.dataset.seq) {
          // a push overtook this response: it is older than the page now; ask again
          return attempt < 3 ? resync(attempt + 1) : done();
        }
        ["#tree-body", "#pane", "#recent-tasks-body"].forEach(function (sel) {
          var fresh = doc.querySelector(sel), here = document.querySelector(sel);
          if (fresh && here) { here.innerHTML = fresh.innerHTML; htmx.process(here); }
        });
        if (fetched && current && +fetched.dataset.seq > +current.dataset.seq) { current.dataset.seq = fetched.dataset.seq; }
        markSelected();
        declare();
        done();
      })
      .catch(done);
  }

  // The pushed tree does not know which object this page shows: mark it again.
  function markSelected() {
    var pane = document.getElementById("pane");
    if (!pane) { return; }
    document.querySelectorAll("#tree-body .node.sel").forEach(function (n) { n.classList.remove("sel"); });
    var node = document.querySelector('#tree-body .node[data-moid="' + pane.dataset.moid + '"]');
    if (node) { node.classList.add("sel"); }
  }

  // Live messages carry the lab's event sequence numbers: a batch that starts after the last one
  // this page has seen means some were missed, and the page resyncs. Between batches the hub sends
  // a heartbeat ("every batch up to N went out to you"): a page holding less than N missed one and
  // resyncs; a socket that brings nothing, not even a heartbeat, for three periods is dead without
  // knowing it, and the page opens another (docs/architecture.md, Live updates).
  var lastSeq = null, lastHeard = 0, beatEvery = 5, liveSocket = null, liveWrapper = null;
  var retired = new WeakSet();  // sockets the page gave up on: their late close is not news
  var BEAT = /^<span id="live-beat" data-upto="(\d+)" data-every="([\d.]+)"/;
  function heldSeq() {
    var el = document.getElementById("live-seq");
    return el ? (lastSeq === null ? +el.dataset.seq : Math.max(+el.dataset.seq, lastSeq)) : null;
  }
  document.addEventListener("htmx:wsBeforeMessage", function (e) {
    lastHeard = Date.now();
    var message = e.detail.message || "";
    var beat = BEAT.exec(message);
    if (beat) {
      e.preventDefault();  // nothing to swap
      if (+beat[2] > 0) { beatEvery = +beat[2]; }
      var held = heldSeq();
      if (held !== null && +beat[1] > held) { resync(); }
      // the answer to the widget list: batches after the page's seq went out for its former list
      else if (/data-ack="1"/.test(message) && declaredSeq !== null && +beat[1] > declaredSeq) { resync(); }
      return;
    }
    var m = /id="live-seq" data-seq="(\d+)" data-prev="(\d+)"( data-resync="1")?/.exec(message);
    if (!m || !document.getElementById("live-seq")) { return; }
    lastSeq = heldSeq();
    if (+m[2] > lastSeq || m[3]) { resync(); }  // a gap, or a widget of this page too large to push
  });

  // The page tells its socket which widgets it shows (every region marked data-widget), when the
  // socket opens and whenever the list changes (a navigation, a dialog): the socket sends it only
  // those. declaredSeq: what the page held when it said so; the socket's answer (a heartbeat marked
  // data-ack) says how far the lab went out: further means some went out for the former list.
  var declared = null, declaredSeq = null;
  function widgetKeys() {
    var keys = {};
    document.querySelectorAll("[data-widget]").forEach(function (el) { keys[el.dataset.widget] = true; });
    return Object.keys(keys).sort().join(" ");
  }
  function declare() {
    if (!liveWrapper || !liveSocket || liveSocket.readyState !== WebSocket.OPEN) { return; }
    var keys = widgetKeys();
    if (keys === declared) { return; }
    declared = keys;
    declaredSeq = heldSeq();
    liveWrapper.send(JSON.stringify({ widgets: keys ? keys.split(" ") : [] }));
  }
  document.addEventListener("htmx:afterSettle", declare);

  // Navigation under hx-boost keeps the lab's socket: a page of the same lab has the same socket
  // element, which the swap would close and open again. The new page's element becomes a slot and
  // the open one moves into it (the history snapshot keeps a plain copy, which a Back reconnects).
  var keptSocket = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var old = document.getElementById("live-socket");
    if (!e.detail.boosted || !old || e.detail.target !== document.body || typeof e.detail.serverResponse !== "string") { return; }
    var tag = '<div id="live-socket" hx-ext="ws" ws-connect="' + old.getAttribute("ws-connect") + '"></div>';
    if (e.detail.serverResponse.indexOf(tag) < 0) { return; }
    e.detail.serverResponse = e.detail.serverResponse.replace(tag, '<div id="live-socket-slot"></div>');
    keptSocket = old;
    old.replaceWith(old.cloneNode(false));  // no socket in the copy: the swap closes nothing
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!keptSocket) { return; }
    var slot = document.getElementById("live-socket-slot");
    // a new page: say its widgets again even if the list is the same, so the answer tells the page
    // whether a batch went out between its rendering and now (to the page it replaced)
    if (slot) { slot.replaceWith(keptSocket); lastSeq = null; declared = null; }
    keptSocket = null;
  });
  document.addEventListener("htmx:wsAfterMessage", function (e) {
    var el = document.getElementById("live-seq");
    if (el && lastSeq !== null && +el.dataset.seq < lastSeq) { el.dataset.seq = String(lastSeq); }
    markSelected();
  });
  var opened = new WeakSet(), reconnectTimer = null;
  document.addEventListener("htmx:wsOpen", function (e) {
    var banner = document.getElementById("live-banner");
    if (banner) { banner.hidden = true; }
    document.body.classList.add("live");
    lastSeq = null;  // this page's socket (hx-boost keeps the script across pages and labs)
    liveSocket = e.detail.event && e.detail.event.target;
    liveWrapper = e.detail.socketWrapper;
    lastHeard = Date.now();
    declared = null;  // a new socket knows nothing of the page yet
    declare();
    if (opened.has(e.target)) { resync(); }  // a reconnect: what happened while we were away
    opened.add(e.target);
  });
  document.addEventListener("htmx:wsClose", function (e) {
    var socket = e.detail.event && e.detail.event.target;
    if (socket && retired.has(socket)) { return; }  // replaced already
    var banner = document.getElementById("live-banner");
    if (banner) { banner.hidden = false; }
    document.body.classList.remove("live");
    // the extension retries by itself after an abnormal close; after a clean one, we do
    var code = e.detail.event && e.detail.event.code;
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && e.detail.socketWrapper && !reconnectTimer) {
      reconnectTimer = setTimeout(function () { reconnectTimer = null; e.detail.socketWrapper.reconnect(); }, 2000);
    }
  });
  setInterval(function () {
    if (!liveSocket || liveSocket.readyState !== WebSocket.OPEN || !liveWrapper) { return; }
    if (Date.now() - lastHeard < (3 * beatEvery + 5) * 1000) { return; }
    retired.add(liveSocket);  // it may never say it closed
    liveSocket = null;
    lastHeard = Date.now();
    liveWrapper.reconnect();  // a new socket; its opening resyncs the page
  }, 1000);

  // The lab clock ticks in the page from its anchor; the server sends the anchor, not ticks.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var EPOCH = Date.UTC(2010, 1, 10, 9, 0, 0) / 1000;
  function tickClock() {
    var el = document.getElementById("sim-clock");
    if (!el) { return; }
    if (!el.dataset.skew) { el.dataset.skew = String(Date.now() / 1000 - parseFloat(el.dataset.serverWall)); }
    var wall = Date.now() / 1000 - parseFloat(el.dataset.skew);
    var sim = parseFloat(el.dataset.sim);
    if (el.dataset.paused !== "1") { sim += Math.max(0, wall - parseFloat(el.dataset.wall)) * parseFloat(el.dataset.speed); }
    var d = new Date((EPOCH + sim) * 1000);
    el.querySelector(".clock-now").textContent = d.getUTCFullYear() + "/" + pad(d.getUTCMonth() + 1) + "/" +
      pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  setInterval(tickClock, 250);

  // Open Console: a window of its own, as the vSphere Client opens one.
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-popup]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    e.preventDefault();
    var w = window.open(link.href, link.target, "width=760,height=620,resizable=yes");
    if (w) { w.focus(); } else { window.location.href = link.href; }
    var menu = document.getElementById("ctxmenu");
    if (menu) { menu.hidden = true; }
  });
})();
