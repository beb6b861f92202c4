// Work is never lost by leaving a page: a form marked data-warn-unsaved asks
// the browser to confirm leaving once anything in it changed, until it is sent.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length) return;
  var changed = false;
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("input", function () {
      changed = true;
    });
    form.addEventListener("change", function () {
      changed = true;
    });
    form.addEventListener("submit", function () {
      changed = false;
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need a value to ask
  });
})();
