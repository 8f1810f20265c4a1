// Start Swagger UI on /docs. "Authorize" takes an API token; without one, calls use this browser's
// sign-in, and writes then carry the page's CSRF token as the API asks of a session.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  if (!container || !window.SwaggerUIBundle) return;
  var csrf = container.getAttribute("data-csrf-token");
  window.ui = window.SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui-container",
    requestInterceptor: function (request) {
      if (csrf && request.method && request.method !== "GET") request.headers["X-CSRFToken"] = csrf;
      return request;
    },
  });
})();
