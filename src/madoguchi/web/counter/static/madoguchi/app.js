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
    var filter = event.target.closest(".procedure-filter [data-filter]");
    if (filter) { showProcedures(filter.dataset.filter); }
  });

  // 「本日手続きのみ」 / 「予定が未設定のもの」: a class on #panels (kept across htmx swaps of its content).
  function showProcedures(which) {
    var panels = document.getElementById("panels");
    if (!panels) { return; }
    panels.classList.toggle("show-today", which === "today");
    panels.classList.toggle("show-unset", which === "unset");
    panels.dataset.filter = which;
    markFilter(panels);
  }
  function markFilter(panels) {
    var which = panels.dataset.filter || "";
    panels.querySelectorAll(".procedure-filter [data-filter]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.filter === which ? "true" : "false");
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var panels = document.getElementById("panels");
    if (panels && event.detail.target === panels) { markFilter(panels); }
  });

  // Show a typed date back in both calendars as the clerk types. The server reads it with the same 和暦
  // module it saves with (POST /date-preview), so the preview and the saved date never disagree.
  var previewTimer = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("date-input")) { return; }
    var out = input.parentNode.querySelector(".date-preview") || (input.form && input.form.querySelector(".date-preview"));
    var token = input.form && input.form.querySelector("[name=csrfmiddlewaretoken]");
    if (!out || !token) { return; }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      var body = new URLSearchParams({ value: input.value });
      fetch(document.body.dataset.datePreview || "/date-preview", {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data && input.value === body.get("value")) {
          out.textContent = data.text;
          out.classList.toggle("invalid", !data.ok);
        }
      }).catch(function () { /* the server checks the date again when it is saved */ });
    }, 150);
  });
})();
