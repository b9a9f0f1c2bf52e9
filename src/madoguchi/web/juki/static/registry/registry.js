// Card reading at the counter and typing helpers. No inline scripts (CSP).
// The PIN goes only to the local card agent (127.0.0.1) and from there to the card; it is never sent to the
// server, never stored and cleared from the field after every attempt.
(function () {
  "use strict";
  var panel = document.getElementById("card-panel");
  var start = document.getElementById("card-read-start");

  function csrf() {
    var el = panel && panel.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  if (panel && start) {
    var agentUrl = panel.dataset.agentUrl, token = panel.dataset.agentToken;
    var statusEl = panel.querySelector(".card-status");
    var form = document.getElementById("card-pin-form");
    var pin = document.getElementById("card-pin");
    var lastTry = document.getElementById("card-last-try");
    var confirmLast = document.getElementById("card-confirm-last");
    var triesLeft = null;
    var busy = false;

    var say = function (text, kind) {
      statusEl.textContent = text;
      statusEl.className = "card-status" + (kind ? " " + kind : "");
    };
    var agent = function (path, body) {
      var opts = { method: body ? "POST" : "GET", headers: { "Authorization": "Bearer " + token }, cache: "no-store" };
      if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
      return fetch(agentUrl + path, opts).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      });
    };
    var showTries = function (n) {
      triesLeft = n;
      lastTry.hidden = n !== 1;
      confirmLast.checked = false;
    };
    var checkStatus = function (prefix) {
      return agent("/v1/status").then(function (res) {
        var card = (res.data || {}).card || {};
        if (res.status !== 200) { say("カードリーダーに接続できません（" + (res.data.error || res.status) + "）", "error"); form.hidden = true; return; }
        if (!card.present) { say("カードが見つかりません。リーダーに置いてください。（" + (card.message || card.error || "") + "）", "error"); form.hidden = true; return; }
        if (card.blocked) { say("暗証番号がロックされています。市役所の窓口で再設定が必要です。", "error"); form.hidden = true; return; }
        showTries(card.tries_left);
        var left = card.tries_left === null || card.tries_left === undefined ? "" : "（残り " + card.tries_left + " 回）";
        say((prefix || "") + "ご本人に暗証番号（4桁）を入力していただいてください" + left, prefix ? "error" : "");
        form.hidden = false;
        pin.value = "";
        pin.focus();
      }).catch(function () { say("カードリーダー（card-agent）に接続できません。", "error"); form.hidden = true; });
    };

    start.addEventListener("click", function () {
      panel.hidden = false;
      say("カードを確認しています…");
      checkStatus("");
    });
    document.getElementById("card-cancel").addEventListener("click", function () {
      pin.value = ""; form.hidden = true; panel.hidden = true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      var value = pin.value;
      pin.value = "";
      if (!/^[0-9]{4}$/.test(value)) { say("暗証番号は4桁の数字です。", "error"); pin.focus(); return; }
      if (triesLeft === 1 && !confirmLast.checked) { say("残り1回です。確認欄にチェックを入れてください。", "error"); return; }
      busy = true;
      say("読み取っています…");
      agent("/v1/read", { pin: value, confirm_last_try: triesLeft === 1 && confirmLast.checked }).then(function (res) {
        value = "";
        var d = res.data || {};
        if (res.status === 409 && d.error === "wrong_pin") {
          busy = false;
          return checkStatus("暗証番号が違います。残り " + d.tries_left + " 回です。");
        }
        if (res.status === 409 && d.error === "confirm_last_try") { busy = false; showTries(1); say("残り1回です。確認欄にチェックを入れてください。", "error"); return; }
        if (res.status === 423) { busy = false; form.hidden = true; say("暗証番号がロックされました。市役所の窓口で再設定が必要です。", "error"); return; }
        if (res.status !== 200) { busy = false; say("読み取れませんでした（" + (d.message || d.error || res.status) + "）", "error"); return; }
        form.hidden = true;
        say("サーバーで確認しています…");
        // Only the raw card files go to the server, which decodes and verifies them itself.
        return fetch(panel.dataset.postUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ evidence: d.evidence })
        }).then(function (r) { return r.json().then(function (j) { return { status: r.status, data: j }; }); })
          .then(function (res2) {
            busy = false;
            if (res2.status !== 200) { say("サーバーで確認できませんでした（" + (res2.data.message || res2.status) + "）", "error"); return; }
            window.location.assign((res2.data && res2.data.redirect) || panel.dataset.caseUrl);
          });
      }).catch(function () { busy = false; say("カードリーダー（card-agent）に接続できません。", "error"); });
    });
  }

  // Kana suggestions for the person forms: shown next to an empty フリガナ field, never replacing a reading.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.form || !input.form.classList.contains("person-form")) { return; }
    if (input.name === "name") {
      var kana = input.form.querySelector("input[name=kana]");
      if (!kana || kana.value.trim()) { return; }
      fetch("/registry/kana?name=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (data) {
          var box = input.form.querySelector(".kana-suggestions");
          if (!box) { box = document.createElement("p"); box.className = "kana-suggestions help"; kana.parentNode.appendChild(box); }
          box.textContent = "";
          (data.suggestions || []).forEach(function (s) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "link"; b.textContent = "候補: " + s;
            b.addEventListener("click", function () { if (!kana.value.trim()) { kana.value = s; } box.textContent = "フリガナをご本人に確認し、確認欄にチェックしてください。"; });
            box.appendChild(b);
          });
        }).catch(function () {});
    }
    if (input.name === "postal_code") {
      var address = input.form.querySelector("input[name=address]");
      if (!address || address.value.trim()) { return; }
      fetch("/registry/postal?code=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (data) {
          if (data.found && !address.value.trim()) { address.value = data.address; address.focus(); }
        }).catch(function () {});
    }
  });
})();
