// Counter UI behaviour. No inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // After htmx swaps the panels, put the keyboard focus on the new question so the clerk can keep typing.
  function focusQuestion(root) {
    var scope = root || document;
    var target = scope.querySelector("[aria-invalid=true]") ||
      scope.querySelector(".question input.big, .question button.answer");
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

  // A refused input (409/422, swapped in by the htmx-config in base.html) carries its message in the swapped
  // content. When the form that sent it lies outside what was swapped (a person form sends to #panels), the
  // message is put in that form too, so it stands next to the fields; any other failure (session expired,
  // server or network down) says so in the form instead of doing nothing.
  var FAILURE = {
    0: "サーバーに接続できませんでした。ネットワークを確認して、もう一度お試しください。",
    403: "操作できませんでした。ログインし直すか、画面を読み込み直してください。",
    404: "対象が見つかりませんでした。画面を読み込み直してください。",
    400: "送信された内容を受け付けられませんでした。画面を読み込み直してください。"
  };
  function formMessage(form, text) {
    var p = form.querySelector(":scope > .form-error");
    if (!text) { if (p) { p.remove(); } return; }
    if (!p) {
      p = document.createElement("p");
      p.className = "error form-error";
      p.setAttribute("role", "alert");
      form.insertBefore(p, form.firstChild);
    }
    p.textContent = text;
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (!form || !document.body.contains(form)) { return; }  // redrawn: the new content says it
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) { formMessage(form, ""); return; }
    if (status === 409 || status === 422 || status === 429) {
      var target = event.detail.target;
      var shown = target && target.querySelector ? target.querySelector("[role=alert]") : null;
      if (shown && !form.contains(shown)) { formMessage(form, shown.textContent.trim()); shown.remove(); }
      return;
    }
    formMessage(form, FAILURE[status] || "処理できませんでした。しばらくしてからもう一度お試しください。");
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
