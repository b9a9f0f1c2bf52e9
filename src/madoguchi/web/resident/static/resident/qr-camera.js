// Read the resident's hand-off QR code with the counter PC's camera (a USB scanner needs none of this: it
// types the QR text into the field). jsQR decodes frames locally; nothing leaves the browser.
(function () {
  "use strict";
  var PREFIX = "MDG1:";

  // The decoder (250 KB) is fetched only when a clerk first uses the camera.
  function withDecoder(button, then) {
    if (typeof window.jsQR === "function") { then(); return; }
    var script = document.createElement("script");
    script.src = button.dataset.decoder;
    script.onload = then;
    script.onerror = then;
    document.head.appendChild(script);
  }

  function start(button) {
    var form = button.closest("form");
    var input = form.querySelector("input[name=code]");
    var status = form.querySelector(".qr-status");
    var box = form.querySelector(".qr-video");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
      status.textContent = "このブラウザではカメラを使えません。受付コードを入力してください。";
      return;
    }
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.setAttribute("aria-label", "カメラの映像");
    video.style.width = "320px";
    video.style.maxWidth = "100%";
    box.replaceChildren(video);
    box.hidden = false;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null, stopped = false;
    function stop() {
      stopped = true;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      box.hidden = true;
      box.replaceChildren();
      button.textContent = "カメラで読み取る";
      button.onclick = null;
    }
    function tick() {
      if (stopped) { return; }
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (found && found.data && found.data.indexOf(PREFIX) === 0) {
          input.value = found.data;
          status.textContent = "QRコードを読み取りました。";
          stop();
          form.requestSubmit ? form.requestSubmit() : form.submit();
          return;
        }
      }
      window.requestAnimationFrame(tick);
    }
    status.textContent = "QRコードをカメラに向けてください。";
    button.textContent = "カメラを止める";
    button.onclick = function (event) { event.preventDefault(); event.stopImmediatePropagation(); stop(); status.textContent = ""; };
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        if (stopped) { stop(); return; }
        video.srcObject = s;
        return video.play().then(tick);
      })
      .catch(function () {
        stop();
        status.textContent = "カメラを使えませんでした。受付コードを入力してください。";
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-qr-camera]");
    if (button && !button.onclick) { event.preventDefault(); withDecoder(button, function () { start(button); }); }
  });
})();
