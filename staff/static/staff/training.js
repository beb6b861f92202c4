// While a training is under way, its step and progress are asked for every 3 s;
// when it ends the page reloads to say how it went.
(function () {
  "use strict";
  var panel = document.getElementById("model-panel");
  if (!panel || !panel.dataset.underWay) return;
  var step = document.getElementById("training-step");
  var bar = document.getElementById("training-progress");
  var percent = document.getElementById("training-percent");
  var live = document.getElementById("training-live");

  function check() {
    // Marked as background: it does not keep the session alive (staff/accounts/middleware.py).
    fetch(panel.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Staff-Background": "1" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (model) {
        var latest = model.latest;
        if (!latest || !latest.under_way) {
          window.location.reload();
          return;
        }
        if (step.textContent !== latest.step) live.textContent = latest.step;
        step.textContent = latest.step;
        bar.value = latest.percent;
        bar.textContent = latest.percent + "%";
        percent.textContent = latest.percent + "%";
        window.setTimeout(check, 3000);
      })
      .catch(function () { window.setTimeout(check, 10000); });
  }
  window.setTimeout(check, 3000);
})();
