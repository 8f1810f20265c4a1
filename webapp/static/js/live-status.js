// Keep a category's file list and total current without reloading the page.
(function () {
  "use strict";
  var table = document.getElementById("documents");
  if (!table) return;
  var url = table.getAttribute("data-poll");

  function text(el, value) { if (el && el.textContent !== value) el.textContent = value; }

  function render(doc) {
    var row = document.getElementById("document-" + doc.id);
    if (!row) {
      var empty = table.querySelector(".empty-row");
      if (empty) empty.remove();
      row = table.tBodies[0].insertRow(0);
      row.id = "document-" + doc.id;
      row.innerHTML = '<td><a></a></td><td class="status"></td><td class="num sum"></td><td></td>';
      row.querySelector("a").href = doc.url;
      row.querySelector("a").textContent = doc.filename;
    }
    if (row.getAttribute("data-status") === doc.status && doc.status !== "processing") return;
    row.setAttribute("data-status", doc.status);
    var status = row.querySelector(".status");
    status.textContent = "";
    var badge = document.createElement("span");
    badge.className = "badge badge-" + doc.status;
    badge.textContent = doc.status;
    status.appendChild(badge);
    if (doc.error) {
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = " " + doc.error;
      status.appendChild(reason);
    }
    text(row.querySelector(".sum"), doc.status === "done" ? doc.total : "");
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.documents.forEach(render);
        text(document.getElementById("category-total"), data.category.total);
        text(document.getElementById("category-files"), String(data.category.documents));
        setTimeout(poll, data.pending > 0 ? 1000 : 5000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
