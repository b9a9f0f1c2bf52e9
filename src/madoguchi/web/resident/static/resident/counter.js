// Counter case page, resident side: tell a paired resident screen which question the clerk shows, and
// reload the panels when the resident answered on their screen. No inline script (CSP).
(function () {
  "use strict";
  var tools = null, lastFocus = null, lastResident = null;

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function sendFocus() {
    if (!tools || !tools.dataset.paired) { return; }
    var q = document.querySelector("#panels form.question[data-fact]");
    var fact = q ? q.dataset.fact : "";
    if (fact === lastFocus) { return; }
    lastFocus = fact;
    var body = new URLSearchParams({ fact: fact });
    fetch(tools.dataset.focusUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" }
    });
  }

  function busy() {
    var el = document.activeElement;
    return el && el.closest && el.closest("#panels") && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.value;
  }

  function poll() {
    if (!tools || !tools.dataset.paired) { return; }
    fetch(tools.dataset.versionUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (lastResident !== null && data.resident !== lastResident && !busy() && window.htmx) {
          window.htmx.ajax("GET", tools.dataset.caseUrl, { target: "#panels", select: "#panels", swap: "outerHTML" });
        }
        if (!busy()) { lastResident = data.resident; }
      })
      .catch(function () { /* the next tick tries again */ });
  }

  function init() {
    tools = document.querySelector(".resident-tools[data-case]");
    if (!tools) { return; }
    sendFocus();
    if (tools.dataset.paired) { window.setInterval(poll, 2000); poll(); }
  }

  document.addEventListener("htmx:afterSettle", function () { sendFocus(); });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
