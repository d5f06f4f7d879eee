// Progressive enhancement only: the page works fully without this file.
(function () {
  "use strict";

  // A double click must not send two payments (the server refuses a second one anyway).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-once]");
      if (!button) return;
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // Live countdown; screen readers hear it only at 5 minutes, 1 minute and expiry.
  var countdown = document.getElementById("countdown");
  if (!countdown) return;
  var left = parseInt(countdown.getAttribute("data-seconds-left"), 10);
  if (isNaN(left)) return;
  var deadline = Date.now() + left * 1000;
  var time = countdown.querySelector("time");
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  countdown.after(live);
  var announced = {};

  function tick() {
    var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(seconds / 60);
    time.textContent = minutes + " min " + (seconds % 60) + " s";
    time.setAttribute("datetime", "PT" + seconds + "S");
    [[300, "5 minutes left to pay."], [60, "1 minute left to pay."]].forEach(function (mark) {
      if (seconds <= mark[0] && seconds > mark[0] - 5 && !announced[mark[0]]) {
        announced[mark[0]] = true;
        live.textContent = mark[1];
      }
    });
    if (seconds === 0) {
      live.textContent = "This payment page has expired.";
      var button = document.querySelector("button[data-once]");
      if (button) button.disabled = true;
      window.setTimeout(function () { window.location.reload(); }, 1500);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
