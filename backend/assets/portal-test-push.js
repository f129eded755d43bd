// The live result of the portal's "Send a test push" (issue 16): asks the portal's status
// endpoint every second until the push was approved, denied or expired, then shows that.
// Served from this origin (CSP script-src 'self'); without JavaScript the page's "Check
// again" link does the same.
(function () {
  "use strict";
  var el = document.getElementById("test-push-status");
  if (!el) {
    return;
  }
  var txid = el.getAttribute("data-txid");
  if (!txid) {
    return;
  }
  function poll() {
    fetch("/portal/test-push/status?txid=" + encodeURIComponent(txid), {
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
        el.textContent = s.text;
        if (s.state === "pending") {
          window.setTimeout(poll, 1000);
          return;
        }
        if (s.state === "approved") {
          el.className = "notice";
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
