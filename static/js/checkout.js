// Progressive enhancement only: the page works fully without this file (the server
// renders the time left, takes the payment and shows every state).
(function () {
  "use strict";

  // A double click must not send two payments (the server refuses a second one anyway).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = form.querySelector("button[data-once]");
      if (!button) return;
      if (button.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
        return;
      }
      button.setAttribute("aria-disabled", "true");
      // Disable after this submit has been sent, or the browser would drop it.
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // Live countdown. Screen readers hear it only when it crosses 5 minutes and 1 minute,
  // and at expiry (texts come translated from data-announce-*), never every second.
  var countdown = document.getElementById("countdown");
  var live = document.getElementById("countdown-live");
  if (!countdown || !live) return;
  var left = parseInt(countdown.getAttribute("data-seconds-left"), 10);
  if (isNaN(left)) return;
  var deadline = Date.now() + left * 1000;
  var time = countdown.querySelector("time");
  var marks = [300, 60, 0];
  var previous = left;

  function clock(seconds) {
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    time.textContent = clock(seconds);
    time.setAttribute("datetime", "PT" + seconds + "S");
    marks.forEach(function (mark) {
      if (previous > mark && seconds <= mark) {
        live.textContent = countdown.getAttribute("data-announce-" + mark) || "";
      }
    });
    previous = seconds;
    if (seconds === 0) {
      countdown.classList.add("countdown-expired");
      var button = document.querySelector("button[data-once]");
      if (button) button.disabled = true;
      // The server decides: reloading shows its "expired" page once it agrees.
      window.setTimeout(function () { window.location.reload(); }, 5000);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();

// The receipt gets a print button when printing is possible (a plain page prints anyway).
(function () {
  "use strict";
  var holder = document.querySelector("[data-print-label]");
  if (!holder || typeof window.print !== "function") return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary-button";
  button.textContent = holder.getAttribute("data-print-label");
  button.addEventListener("click", function () { window.print(); });
  holder.appendChild(button);
})();
