// The sign-in request screen: who asks, from where, until when; approve (with the number the
// sign-in page shows, when the server asks for it), deny, or deny and report; then the
// server's verdict. Requests are handled one at a time, oldest first.
import { useComputed } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import { isCommandError, type Decision } from "../api";
import { ErrorText, Icon, Logo, Modal } from "../components";
import {
  cleanNumber,
  countdownText,
  endsRequest,
  lifetime,
  madeAt,
  positionText,
  secondsLeft,
  validNumber,
  verdictText,
  type SignInRequest,
} from "../logic/push";
import { errorText } from "../logic/report";
import { clock, closeRequest, currentRequest, push, sendAnswer } from "../pushStore";
import { frameOf } from "../state";

/**
 * A request pops up over whatever the user was doing: an Enter typed in the moment it came up
 * was meant for the screen before, so Enter (outside the number field) approves only after this.
 */
const ARMED_AFTER_MS = 800;

export function Request() {
  const request = currentRequest.value;
  const requests = push.value.requests;
  if (!request) return <main class="welcome" id="request-screen" aria-busy="true" />;
  const position = positionText(requests.indexOf(request), requests.length);
  return (
    <div class="page request-screen" id="request-screen">
      <header class="bar">
        <span class="brand">
          <Logo size={28} />
          <span>Twofold</span>
        </span>
        <span class="spacer" />
        {requests.length > 1 && (
          <span class="request-position" aria-label={`Sign-in request ${position}`}>
            {position}
          </span>
        )}
      </header>
      <main class="page-body">
        <RequestCard key={request.challenge.id} request={request} />
      </main>
    </div>
  );
}

function localTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

function RequestCard({ request }: { request: SignInRequest }) {
  const { challenge, answer } = request;
  const [number, setNumber] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [reporting, setReporting] = useState(false);
  const shownAt = useRef(Date.now());
  const title = useRef<HTMLHeadingElement>(null);
  const numberField = useRef<HTMLInputElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  const left = useComputed(() => secondsLeft(challenge, clock.value)).value;

  const verdict = answer?.verdict ?? null;
  const finished = verdict !== null || ended;
  // The answer is recorded as it is sent: while sending, the buttons stay (disabled).
  const asking = !finished && (!answer || sending);
  const waiting = !finished && !asking;
  const expired = left === 0;
  const valid = !challenge.number_required || validNumber(number);
  const canAnswer = !answer && !ended && !sending && !expired;
  const canApprove = canAnswer && valid;
  const server = frameOf(challenge.account_id)?.push?.server_name;
  const made = madeAt(challenge);

  // Focus: the number field when one is asked for, otherwise the question (so a screen reader
  // reads it); the Done button once it is over.
  useEffect(() => {
    (challenge.number_required ? numberField.current : title.current)?.focus();
  }, []);
  useEffect(() => {
    if (finished) done.current?.focus();
  }, [finished]);

  async function answerWith(decision: Decision) {
    if (!canAnswer || (decision === "approve" && !valid)) return;
    setReporting(false);
    setSending(true);
    setError(null);
    try {
      const typed = decision === "approve" && challenge.number_required ? number : null;
      await sendAnswer(challenge, decision, typed);
    } catch (err) {
      setError(errorText(err));
      if (isCommandError(err) && endsRequest(err.kind)) setEnded(true);
    } finally {
      setSending(false);
    }
  }

  // Enter approves when the request can be approved; Escape never denies (it does nothing).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Enter" || e.repeat || document.querySelector("dialog[open]")) return;
      const target = e.target as HTMLElement | null;
      // Buttons, links and fields handle Enter themselves (the number field submits the form).
      if (target?.closest("button, a, input, textarea, select")) return;
      if (Date.now() - shownAt.current < ARMED_AFTER_MS) return;
      e.preventDefault();
      void answerWith("approve");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  return (
    <>
      <form
        class="card request"
        data-challenge={challenge.id}
        aria-labelledby="request-title"
        aria-busy={sending}
        onSubmit={(e) => {
          e.preventDefault();
          void answerWith("approve");
        }}
      >
        <p class="request-kicker">
          <Icon name="shield" /> Sign-in request
        </p>
        <h2 id="request-title" ref={title} tabIndex={-1}>
          Are you signing in to <span class="request-application">{challenge.application}</span>?
        </h2>
        <dl class="request-details">
          <div>
            <dt>Account</dt>
            <dd class="request-user">{challenge.username}</dd>
          </div>
          {server && (
            <div>
              <dt>Server</dt>
              <dd class="request-server">{server}</dd>
            </div>
          )}
          <div>
            <dt>IP address</dt>
            <dd class="request-client-ip">{challenge.client_ip}</dd>
          </div>
          {challenge.location && (
            <div>
              <dt>Location</dt>
              <dd class="request-location">{challenge.location}</dd>
            </div>
          )}
          <div>
            <dt>Time</dt>
            <dd class="request-time">
              <time dateTime={new Date(made * 1000).toISOString()}>{localTime(made)}</time>
            </dd>
          </div>
        </dl>

        {asking && (
          <div class="request-countdown" role="timer" data-urgent={left <= 10}>
            <span>{countdownText(left)}</span>
            <span class="request-bar" aria-hidden="true">
              <span style={{ width: `${(100 * left) / lifetime(challenge)}%` }} />
            </span>
          </div>
        )}

        {challenge.number_required && asking && (
          <div class="field request-number">
            <label for="request-number">Number shown on the sign-in page</label>
            <input
              id="request-number"
              ref={numberField}
              inputMode="numeric"
              pattern="[0-9]*"
              maxLength={3}
              autocomplete="off"
              autoFocus
              aria-describedby="request-number-hint"
              readOnly={sending}
              value={number}
              onInput={(e) => {
                const cleaned = cleanNumber(e.currentTarget.value);
                e.currentTarget.value = cleaned;
                setNumber(cleaned);
              }}
            />
            <p class="hint" id="request-number-hint">
              Type the number the sign-in page shows. It proves the request is the one you made.
            </p>
          </div>
        )}

        <ErrorText text={error} id="request-error" />

        {asking && (
          <div class="request-buttons">
            <button type="submit" class="primary" id="approve-request" disabled={!canApprove}>
              <Icon name="check" /> Approve
            </button>
            <button
              type="button"
              id="deny-request"
              disabled={!canAnswer}
              onClick={() => void answerWith("deny")}
            >
              <Icon name="close" /> Deny
            </button>
            <button
              type="button"
              class="danger-text"
              id="report-request"
              disabled={!canAnswer}
              onClick={() => setReporting(true)}
            >
              <Icon name="warn" /> Deny and report…
            </button>
          </div>
        )}

        {waiting && (
          <p class="request-waiting" role="status">
            <span class="spinner" aria-hidden="true" /> Waiting for the server…
          </p>
        )}
        {answer && verdict && (
          <p
            class="request-outcome"
            id="request-outcome"
            role="status"
            data-verdict={verdict}
            data-ok={verdict === "accepted"}
          >
            <Icon name={verdict === "accepted" ? "check" : "info"} />
            <span>{verdictText(verdict, answer.decision, answer.message)}</span>
          </p>
        )}
        {finished && (
          <button
            type="button"
            class="primary wide"
            id="request-done"
            ref={done}
            aria-describedby={verdict ? "request-outcome" : "request-error"}
            onClick={() => closeRequest(challenge.id)}
          >
            Done
          </button>
        )}
      </form>

      <Modal
        open={reporting && canAnswer}
        title="Deny and report this sign-in?"
        onClose={() => setReporting(false)}
        id="report-dialog"
      >
        <p>
          This denies the sign-in, blocks sign-ins for your account and alerts your administrator.
          Use it when you did not try to sign in.
        </p>
        <div class="dialog-buttons">
          <span class="spacer" />
          <button type="button" onClick={() => setReporting(false)} id="cancel-report" autoFocus>
            Cancel
          </button>
          <button type="button" class="danger" onClick={() => void answerWith("report")} id="confirm-report">
            Deny and report
          </button>
        </div>
      </Modal>
    </>
  );
}
