// Resident pages. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-action='print']");
    if (el) { window.print(); }
  });
  // A form that must be sent once (the hand-off code: each visit makes one) is not sent twice by a double
  // click; the server refuses the second anyway, but the first answer might then never reach the browser.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-once]")) { return; }
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });
  // Coming back (the back button, a page from the cache): the form can be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (f) { delete f.dataset.sent; });
  });
  // After a swap, put the focus on the new question so keyboard and screen-reader users follow.
  document.addEventListener("htmx:afterSwap", function (event) {
    var q = event.detail.target.querySelector(".r-q-text");
    if (q && event.detail.target.dataset.focusQuestion === "1") { q.setAttribute("tabindex", "-1"); q.focus(); }
  });
})();
