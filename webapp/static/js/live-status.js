// Keep a category's file list and total current without reloading the page.
// The JSON API says what changed; the server renders the changed rows (with their actions).
(function () {
  "use strict";
  var table = document.getElementById("documents");
  if (!table || !window.fetch) return;
  var pollUrl = table.getAttribute("data-poll");
  var rowsUrl = table.getAttribute("data-rows");
  var announcer = document.getElementById("status-announcer");
  var timer = null;
  var busy = false;
  var again = false;

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) el.textContent = value;
  }

  function changed(docs) {
    return docs.filter(function (doc) {
      var row = document.getElementById("document-" + doc.id);
      return !row || row.getAttribute("data-status") !== doc.status;
    });
  }

  function removeGone(docs) {
    var known = {};
    docs.forEach(function (doc) { known["document-" + doc.id] = true; });
    Array.prototype.forEach.call(table.tBodies[0].querySelectorAll("tr[id^=document-]"), function (row) {
      if (!known[row.id]) row.remove();
    });
  }

  // File names are kept as written; a direction override in one must not reorder what is read out.
  function shown(name) {
    return name.replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
  }

  function announce(docs) {
    if (!announcer) return;
    var parts = docs.filter(function (d) { return d.status === "done" || d.status === "failed"; }).map(function (d) {
      return d.status === "done" ? shown(d.filename) + " is done: " + d.total : shown(d.filename) + " failed: " + (d.error || "");
    });
    if (parts.length) announcer.textContent = parts.join(". ");
  }

  function swapRows(html, docs) {
    var body = table.tBodies[0];
    var fresh = document.createElement("tbody");
    fresh.innerHTML = html;
    var empty = body.querySelector(".empty-row");
    if (empty && docs.length) empty.remove();
    // Newest first, as the server orders them: insert missing rows above existing ones in order.
    var anchor = body.firstElementChild;
    docs.forEach(function (doc) {
      var incoming = fresh.querySelector("#document-" + doc.id);
      var current = document.getElementById("document-" + doc.id);
      if (!incoming) return;
      if (current) {
        current.replaceWith(incoming);
      } else {
        body.insertBefore(incoming, anchor);
      }
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (busy) { again = true; return; }
    busy = true;
    var pending = 0;
    fetch(pollUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        pending = data.pending;
        if (window.showTotal) window.showTotal(document.getElementById("category-total"), data.category.total);
        setText("category-files", String(data.category.documents));
        setText("category-pending", data.pending ? ", " + data.pending + " still processing" : "");
        document.dispatchEvent(new CustomEvent("documents:polled", { detail: data.documents }));
        removeGone(data.documents);
        var moved = changed(data.documents);
        if (!moved.length) return null;
        return fetch(rowsUrl, { cache: "no-store" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) { swapRows(html, moved); announce(moved); });
      })
      .then(function () { schedule(pending > 0 ? 1000 : 5000); })
      .catch(function () { schedule(5000); })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(0); }
      });
  }

  document.addEventListener("documents:changed", function () { schedule(0); });
  schedule(0);
})();
