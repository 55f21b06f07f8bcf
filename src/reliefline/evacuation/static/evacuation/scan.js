/* The field page's QR scanner: progressive enhancement of the boarding-code form.
 *
 * Where the browser has BarcodeDetector (with QR codes) and a camera through
 * getUserMedia, the Scan button appears; a code it reads is put in the code box and
 * the form is submitted, exactly as a typed or hardware-scanned code is. Elsewhere, or
 * when the camera is refused, the button stays hidden (or hides, saying why) and the
 * typed code and the name search work as before. No inline script (CSP); the
 * translated texts come from the form's data- attributes. */
(function () {
  "use strict";

  var form = document.getElementById("code-form");
  if (!form) {
    return;
  }
  var input = form.querySelector("input[name=code]");
  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var startText = button.textContent;
  var stream = null;
  var detector = null;
  var timer = null;
  var lastCode = "";
  var waiting = false;

  function say(text) {
    status.textContent = text || "";
  }

  function stop() {
    window.clearTimeout(timer);
    timer = null;
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = startText;
    say("");
  }

  function refuse() {
    stop();
    button.hidden = true;
    say(form.dataset.scanRefused);
  }

  function submit(code) {
    // The same path as a typed code: the box, then the form (htmx posts it).
    lastCode = code;
    waiting = true;
    input.value = code;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function look() {
    timer = null;
    if (!stream) {
      return;
    }
    if (waiting) {
      timer = window.setTimeout(look, 250);
      return;
    }
    detector.detect(video).then(function (codes) {
      // One mark per code: the same QR held in front of the camera is read once.
      var fresh = codes.map(function (c) { return (c.rawValue || "").trim(); })
        .filter(function (value) { return value && value !== lastCode; });
      if (fresh.length) {
        submit(fresh[0]);
      }
      if (stream) {
        timer = window.setTimeout(look, 250);
      }
    }, function () {
      // No frame yet (the camera is starting): try again shortly.
      if (stream) {
        timer = window.setTimeout(look, 500);
      }
    });
  }

  function start() {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        lastCode = "";
        video.srcObject = media;
        video.hidden = false;
        button.textContent = form.dataset.scanStop;
        say(form.dataset.scanLooking);
        var playing = video.play();
        if (playing && typeof playing.catch === "function") {
          playing.catch(function () {});
        }
        look();
      }, refuse);
  }

  function ready() {
    waiting = false;
    if (!stream) {
      input.focus();
    }
  }

  // After every answer (typed, scanned or refused): an empty box, ready for the next.
  // An answer that came as an error (a server failure, a session ended) leaves the
  // code in the box to send again, as app.js says; with no answer at all, the outbox
  // keeps the mark and empties the box itself (outbox.js).
  form.addEventListener("htmx:afterRequest", function (event) {
    if (!(event.detail && event.detail.failed)) {
      input.value = "";
    }
    ready();
  });
  // Or no request at all (no connection, or the mark kept already): the outbox took the
  // code and said what came of it, and the camera reads the next one.
  form.addEventListener("outbox:taken", ready);

  var camera = navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function";
  if (!("BarcodeDetector" in window) || !camera) {
    return;
  }
  var formats = typeof window.BarcodeDetector.getSupportedFormats === "function"
    ? window.BarcodeDetector.getSupportedFormats()
    : Promise.resolve(["qr_code"]);
  formats.then(function (supported) {
    if (supported.indexOf("qr_code") === -1) {
      return;
    }
    detector = new window.BarcodeDetector({formats: ["qr_code"]});
    button.hidden = false;
    button.addEventListener("click", function () {
      if (stream) {
        stop();
      } else {
        start();
      }
    });
  }, function () {});
}());
