/* The second step with a passkey or security key: allauth's own WebAuthn code
   (mfa/js/webauthn.js), started from the button's data attributes instead of
   an inline block, so the page runs only the workspace's own script files. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-webauthn-authenticate]");
    if (!button || !window.allauth) { return; }
    window.allauth.webauthn.forms.authenticateForm({
      ids: {
        authenticate: button.id,
        credential: button.dataset.credential,
        data: button.dataset.options
      }
    });
  });
})();
