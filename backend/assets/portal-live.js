// The portal's live statuses (issue 16), one loop for every page that waits on something:
// a new activation (Configure), a push sent as the second factor (Verify) and the test push.
// Each waiting element names what to ask; the loop asks the session's own status endpoint
// until the answer is final, then shows it. Served from this origin (CSP script-src 'self');
// without JavaScript each page's "Check again" link does the same.
(function () {
  "use strict";

  // Asks `url` every `every` ms; `settle(answer)` shows an answer and says whether it is
  // final. A network error waits longer; a redirect (signed out) or an error status ends the
  // loop with `gone`.
  function follow(el, url, every, gone, settle) {
    function ask() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.redirected || !r.ok) {
            el.textContent = gone;
            return null;
          }
          return r.json();
        })
        .then(function (answer) {
          if (answer !== null && !settle(answer)) {
            window.setTimeout(ask, every);
          }
        })
        .catch(function () {
          window.setTimeout(ask, every * 2.5);
        });
    }
    window.setTimeout(ask, 1000);
  }

  var signedOut = "Signed out: reload the page to sign in again.";

  // Configure: waits until the app redeemed the activation.
  var activation = document.getElementById("activation-status");
  if (activation) {
    var since = activation.getAttribute("data-since") || "0";
    follow(activation, "/portal/status?since=" + encodeURIComponent(since), 2000, signedOut, function (s) {
      if (!s.activated) {
        return false;
      }
      activation.textContent = "Activated" + (s.device ? ": " + s.device : "");
      activation.className = "notice";
      return true;
    });
  }

  // Verify by push: once the phone answered, opens "Check again", which leads on when
  // approved and says why when not.
  var push = document.getElementById("push-status");
  var pushStatus = push && push.getAttribute("data-status");
  var pushCheck = push && push.getAttribute("data-check");
  if (pushStatus && pushCheck) {
    follow(push, pushStatus, 2000, "This request is no longer available: press Check again.", function (s) {
      if (s.state === "pending") {
        return false;
      }
      push.textContent = s.state === "approved" ? "Approved" : "Not approved";
      window.location.assign(pushCheck);
      return true;
    });
  }

  // The test push: shows the server's words for each state until approved, denied or expired.
  var test = document.getElementById("test-push-status");
  var txid = test && test.getAttribute("data-txid");
  if (txid) {
    follow(test, "/portal/test-push/status?txid=" + encodeURIComponent(txid), 1000, signedOut, function (s) {
      test.textContent = s.text;
      if (s.state === "approved") {
        test.className = "notice";
      }
      return s.state !== "pending";
    });
  }
})();
