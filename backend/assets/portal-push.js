// The live status of a push on the portal's verification page (issue 16): asks this
// session's status endpoint every two seconds until the phone answered, then opens the
// "Check again" page, which leads to the Security verification page when approved and says
// why when not. Served from this origin (CSP script-src 'self'); without JavaScript the
// page's "Check again" link does the same.
(function () {
  "use strict";
  var el = document.getElementById("push-status");
  if (!el) {
    return;
  }
  var status = el.getAttribute("data-status");
  var check = el.getAttribute("data-check");
  if (!status || !check) {
    return;
  }
  function poll() {
    fetch(status, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        if (r.redirected || !r.ok) {
          el.textContent = "This request is no longer available: press Check again.";
          return null;
        }
        return r.json();
      })
      .then(function (s) {
        if (s === null) {
          return;
        }
        if (s.state === "pending") {
          window.setTimeout(poll, 2000);
          return;
        }
        el.textContent = s.state === "approved" ? "Approved" : "Not approved";
        window.location.assign(check);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
