/* The counter kiosk: after the thanks, back to the form after a few seconds; an untouched form
   reloads every minute (so it shows whoever is on duty now) and a half-filled one is cleared
   after the idle time (the next customer starts afresh). No inline script: CSP allows 'self'. */
(function () {
  "use strict";

  var thanks = document.querySelector("[data-kiosk-reset]");
  if (thanks) {
    var left = parseInt(thanks.getAttribute("data-kiosk-reset"), 10) || 8;
    var target = thanks.getAttribute("data-kiosk-url");
    var shown = thanks.querySelector("[data-kiosk-countdown]");
    var tick = window.setInterval(function () {
      left -= 1;
      if (shown) {
        shown.textContent = String(Math.max(left, 0));
      }
      if (left <= 0) {
        window.clearInterval(tick);
        window.location.replace(target);
      }
    }, 1000);
  }

  var idleBox = document.querySelector("[data-kiosk-idle]");
  if (idleBox) {
    var idle = (parseInt(idleBox.getAttribute("data-kiosk-idle"), 10) || 120) * 1000;
    var lastUsed = Date.now();
    var touched = false;
    ["input", "change", "keydown", "pointerdown"].forEach(function (name) {
      document.addEventListener(name, function () {
        lastUsed = Date.now();
        touched = true;
      });
    });
    window.setInterval(function () {
      var limit = touched ? idle : Math.min(idle, 60000);
      if (Date.now() - lastUsed >= limit) {
        window.location.replace(window.location.pathname);
      }
    }, 5000);
  }
})();
