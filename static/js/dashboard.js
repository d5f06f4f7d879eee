// Progressive enhancement: copy buttons. Without JavaScript the field is still selectable.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (!input) return;
    button.addEventListener("click", function () {
      function done(ok) {
        if (status) status.textContent = ok ? "Copied to the clipboard." : "Select the text and copy it.";
      }
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () { done(false); });
      } else {
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      }
    });
  });
})();
