// While something on this page is still being processed, quietly refresh the part marked #live
// (every 2 s); a page that asks for it with data-idle-refresh also looks for news now and then.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch || !window.DOMParser) return;
  var rounds = 0;
  var MAX_ROUNDS = 900; // about half an hour; a page left open longer can be reloaded by hand

  function openDetails(root) {
    return Array.prototype.map.call(root.querySelectorAll("details"), function (d) { return d.open; });
  }

  function refresh() {
    rounds += 1;
    fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (!r.ok) rounds = MAX_ROUNDS; // e.g. the page was a form's answer: there is nothing to re-read
        return r.ok ? r.text() : Promise.reject(r.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (!fresh) return;
        var opened = openDetails(live);
        live.innerHTML = fresh.innerHTML;
        live.setAttribute("data-pending", fresh.getAttribute("data-pending"));
        Array.prototype.forEach.call(live.querySelectorAll("details"), function (d, i) { if (opened[i]) d.open = true; });
      })
      .catch(function () { /* try again next round */ })
      .then(schedule);
  }

  function schedule() {
    if (rounds >= MAX_ROUNDS) return;
    var idle = parseInt(live.getAttribute("data-idle-refresh") || "0", 10);
    if (live.getAttribute("data-pending") !== "0") setTimeout(refresh, 2000);
    else if (idle > 0) setTimeout(refresh, idle);
  }
  schedule();
})();
