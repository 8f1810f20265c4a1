// Loaded in <head> before the page is drawn: marks that scripts run, so styles meant for them apply
// from the first paint (a file, not an inline script: the Content-Security-Policy allows no inline code).
document.documentElement.classList.add("js");

(function () {
  "use strict";
  // The page's strings and number symbols in its language (webapp/language.py's js_catalogue, the body's
  // data-catalogue attribute), read once the body is there; English until then.
  var catalogue = null;
  function text(key) {
    if (!catalogue) {
      var data = document.body && document.body.getAttribute("data-catalogue");
      if (!data) return undefined;
      catalogue = JSON.parse(data);
    }
    return catalogue[key];
  }
  window.pageText = function (key, fallback) { return text(key) || fallback; };

  // A total arriving as the API's plain string (`1449857.5`), shown the way the server's `grouped` filter
  // writes it (webapp/number_format.py): the language's groups, a line break allowed only between them,
  // every digit kept.
  function showTotal(element, plain) {
    var symbols = text("numbers") || {decimal: ".", group: ","};
    if (!element || element.getAttribute("data-exact") === plain) return;
    var negative = plain.charAt(0) === "-";
    var digits = negative ? plain.slice(1) : plain;
    var point = digits.indexOf(".");
    var whole = point < 0 ? digits : digits.slice(0, point);
    var groups = [];
    for (var end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
    element.textContent = "";
    groups.forEach(function (group, i) {
      if (i) {
        element.appendChild(document.createTextNode(symbols.group));
        element.appendChild(document.createElement("wbr"));
      }
      element.appendChild(document.createTextNode((i === 0 && negative ? "-" : "") + group));
    });
    if (point >= 0) element.appendChild(document.createTextNode(symbols.decimal + digits.slice(point + 1)));
    element.setAttribute("data-exact", plain);
    element.setAttribute("title", (text("exactValue") || "Exact value: {value}").replace("{value}", plain));
    var copy = element.parentNode && element.parentNode.querySelector(".copy");
    if (copy) copy.setAttribute("data-copy", plain);
  }
  window.showTotal = showTotal;

  function copied(button) {
    button.setAttribute("data-copied", "");
    var label = button.textContent;
    button.textContent = text("copied") || "Copied";
    setTimeout(function () { button.textContent = label; button.removeAttribute("data-copied"); }, 1500);
  }

  // The Copy buttons beside totals copy the plain exact value (no grouping commas), ready to paste.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy[data-copy]");
    if (!button) return;
    var value = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(function () { copied(button); });
      return;
    }
    // Plain http on a local network has no clipboard API: copy through a selected text field instead.
    var field = document.createElement("textarea");
    field.value = value;
    field.setAttribute("readonly", "");
    field.className = "visually-hidden";
    document.body.appendChild(field);
    field.select();
    try { if (document.execCommand("copy")) copied(button); } finally { field.remove(); }
  });

  // A panel that costs as much as the page's own answer (the search page's regions) is fetched once the
  // page is shown: its placeholder names the address in data-panel-src and is replaced by what it answers.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-panel-src]").forEach(function (placeholder) {
      fetch(placeholder.getAttribute("data-panel-src"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) { return response.text(); })
        .then(function (html) { placeholder.outerHTML = html; })
        .catch(function () { /* the placeholder's link still leads to the answer */ });
    });
  });
})();
