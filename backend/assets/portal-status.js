// The live status of a new activation on the portal's Configure page (issue 16): asks the
// portal's status endpoint every two seconds until the app redeemed the activation, then
// says "Activated". Served from this origin (CSP script-src 'self'); without JavaScript the
// page's "Check again" link does the same.
(function () {
  "use strict";
  var el = document.getElementById("activation-status");
  if (!el) {
    return;
  }
  var since = el.getAttribute("data-since") || "0";
  function poll() {
    fetch("/portal/status?since=" + encodeURIComponent(since), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        if (r.redirected || !r.ok) {
          el.textContent = "Signed out: reload the page to sign in again.";
          return null;
        }
        return r.json();
      })
      .then(function (s) {
        if (s === null) {
          return;
        }
        if (s.activated) {
          el.textContent = "Activated" + (s.device ? ": " + s.device : "");
          el.className = "notice";
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
