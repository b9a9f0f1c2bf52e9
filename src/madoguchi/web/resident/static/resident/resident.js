// Resident pages. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-action='print']");
    if (el) { window.print(); }
  });
  // After a swap, put the focus on the new question so keyboard and screen-reader users follow.
  document.addEventListener("htmx:afterSwap", function (event) {
    var q = event.detail.target.querySelector(".r-q-text");
    if (q && event.detail.target.dataset.focusQuestion === "1") { q.setAttribute("tabindex", "-1"); q.focus(); }
  });
})();
