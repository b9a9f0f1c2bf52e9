// Counter UI behaviour. No inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // After htmx swaps the panels, put the keyboard focus on the new question so the clerk can keep typing.
  function focusQuestion(root) {
    var target = (root || document).querySelector(".question input.big, .question button.answer");
    if (target) { target.focus({ preventScroll: false }); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "panels") { focusQuestion(event.detail.target); }
  });
  // `autofocus` alone is applied at the browser's next rendering step, which can come after the clerk
  // (or a barcode reader) has started typing; focus the question as soon as the page is parsed.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.activeElement || document.activeElement === document.body) { focusQuestion(document); }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-action='print']");
    if (el) { window.print(); }
  });

  // Show a typed date back in both calendars as the clerk types (the server parses it again).
  var ERAS = { "明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019, M: 1868, T: 1912, S: 1926, H: 1989, R: 2019 };
  function toHalfWidth(s) { return s.replace(/[０-９．－／]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }); }
  function parse(text) {
    var t = toHalfWidth(text.trim()), m = t.match(/^(\d{4})[-\/.年](\d{1,2})[-\/.月](\d{1,2})日?$/);
    if (m) { return [ +m[1], +m[2], +m[3] ]; }
    m = t.match(/^(明治|大正|昭和|平成|令和|[MTSHRmtshr])\s*(元|\d{1,2})[年.\/-]\s*(\d{1,2})[月.\/-]\s*(\d{1,2})日?$/);
    if (m) { var base = ERAS[m[1].toUpperCase ? (ERAS[m[1]] ? m[1] : m[1].toUpperCase()) : m[1]]; var y = m[2] === "元" ? 1 : +m[2]; return [ base + y - 1, +m[3], +m[4] ]; }
    return null;
  }
  function wareki(y, mo, d) {
    var v = y * 10000 + mo * 100 + d, eras = [[20190501, "令和", 2019], [19890108, "平成", 1989], [19261225, "昭和", 1926], [19120730, "大正", 1912], [18680125, "明治", 1868]];
    for (var i = 0; i < eras.length; i++) { if (v >= eras[i][0]) { var n = y - eras[i][2] + 1; return eras[i][1] + (n === 1 ? "元" : n) + "年" + mo + "月" + d + "日"; } }
    return "";
  }
  document.addEventListener("input", function (event) {
    if (!event.target.classList.contains("date-input")) { return; }
    var out = event.target.parentNode.querySelector(".date-preview") || event.target.form.querySelector(".date-preview"), p = parse(event.target.value);
    if (out) { out.textContent = p ? "→ " + wareki(p[0], p[1], p[2]) + "（" + p[0] + "年" + p[1] + "月" + p[2] + "日）" : ""; }
  });
})();
