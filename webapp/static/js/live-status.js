// Keep a category's file list and total current without reloading the page.
// The JSON API says whether anything changed; the server renders the rows of the very view on screen
// (its filters, sort and page), and only rows whose status changed are swapped, so an open menu stays open.
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
  var seen = null; // the statuses of the last poll: "id:status" joined

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) el.textContent = value;
  }

  // File names are kept as written; a direction override in one must not reorder what is read out.
  function shown(name) {
    return name.replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
  }

  // A failed file's reason as the row just swapped in says it (in the page's language); the API's English otherwise.
  function reasonOf(d) {
    var said = document.querySelector("#document-" + d.id + " .reason");
    return (said && said.textContent) || d.error || "";
  }

  function announce(docs, before) {
    if (!announcer) return;
    var parts = docs.filter(function (d) {
      return (d.status === "done" || d.status === "failed") && before[d.id] && before[d.id] !== d.status;
    }).map(function (d) {
      return d.status === "done"
        ? window.pageText("fileDone", "{name} is done: {total}").replace("{name}", shown(d.filename)).replace("{total}", d.total)
        : window.pageText("fileFailed", "{name} failed: {reason}").replace("{name}", shown(d.filename)).replace("{reason}", reasonOf(d));
    });
    if (parts.length) announcer.textContent = parts.join(". ");
  }

  function statuses(docs) {
    var map = {};
    docs.forEach(function (doc) { map[doc.id] = doc.status; });
    return map;
  }

  // Put the server's rows in place: keep a row whose status is unchanged, swap the others, drop the gone.
  function reconcile(html) {
    var body = table.tBodies[0];
    var fresh = document.createElement("tbody");
    fresh.innerHTML = html;
    var incoming = Array.prototype.slice.call(fresh.children);
    var rows = incoming.map(function (row) {
      var current = row.id && document.getElementById(row.id);
      if (current && current.parentNode === body && current.getAttribute("data-status") === row.getAttribute("data-status")) return current;
      return row;
    });
    Array.prototype.slice.call(body.children).forEach(function (row) { if (rows.indexOf(row) < 0) row.remove(); });
    rows.forEach(function (row, i) {
      if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
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
        setText("category-pending", data.pending ? window.pageText("stillProcessing", ", {count} still processing").replace("{count}", data.pending) : "");
        document.dispatchEvent(new CustomEvent("documents:polled", { detail: data.documents }));
        var now = data.documents.map(function (d) { return d.id + ":" + d.status; }).join(",");
        if (now === seen) return null;
        var before = statuses(Array.prototype.map.call(table.tBodies[0].querySelectorAll("tr[id^=document-]"), function (row) {
          return { id: row.id.slice(9), status: row.getAttribute("data-status") };
        }));
        return fetch(rowsUrl, { cache: "no-store" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            reconcile(html);
            seen = now;
            announce(data.documents, before);
            document.dispatchEvent(new CustomEvent("documents:listed", { detail: data.documents }));
          });
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
