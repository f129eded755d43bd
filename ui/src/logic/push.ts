// Sign-in requests (push) as plain data: what the shell reported, the events since, and what
// the user answered. Pure functions; the time is a parameter (device clock, milliseconds), so
// tests drive it. The signals that hold this state live in ../pushStore.ts.
import type {
  AccountView,
  AnswerOutcome,
  Decision,
  PendingChallenge,
  PushConnection,
  PushEvent,
  PushStatus,
} from "../api";

/**
 * How long an answered request waits for the server's verdict once the server withdrew it or
 * its time ran out. The verdict normally comes first; this only stops a lost one from leaving
 * "Waiting for the server…" up for ever.
 */
export const VERDICT_GRACE_MS = 10_000;

export interface Connection {
  state: PushConnection;
  /** The disconnect reason, or the server's reactivation message. */
  message: string | null;
  /** When the shell tries again (device clock, ms), while reconnecting. */
  retryAt: number | null;
}

/** What the screen says after an answer: the server's verdict, or that none came. */
export type Verdict = AnswerOutcome | "no_reply";

export interface Answer {
  decision: Decision;
  /**
   * When the shell confirmed the answer went out (device clock, ms); null while it is being
   * sent. The answer is recorded before it is sent, as the verdict can arrive before the
   * shell's confirmation does.
   */
  sentAt: number | null;
  verdict: Verdict | null;
  /** The server's message with the verdict ("" when none). */
  message: string;
  /** When the server withdrew the request while we waited for the verdict. */
  withdrawnAt: number | null;
}

export interface SignInRequest {
  challenge: PendingChallenge;
  /** null until the user's answer is sent. */
  answer: Answer | null;
}

export interface PushState {
  /** By vault account id. */
  connections: Readonly<Record<string, Connection>>;
  /** Oldest first. */
  requests: readonly SignInRequest[];
}

export const EMPTY: PushState = { connections: {}, requests: [] };

/** The new state, and what the screens should do about the change. */
export interface Applied {
  state: PushState;
  /** A request arrived that needs an answer: bring the request screen up. */
  arrived: boolean;
  /** Something to tell the user in a toast. */
  toast: string | null;
}

const quiet = (state: PushState): Applied => ({ state, arrived: false, toast: null });

/** Oldest first: by creation, then expiry, then id (so the order never depends on arrival). */
export function byAge(a: SignInRequest, b: SignInRequest): number {
  const x = a.challenge;
  const y = b.challenge;
  if (x.created_at !== y.created_at) return x.created_at - y.created_at;
  if (x.expires_at !== y.expires_at) return x.expires_at - y.expires_at;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/** The challenge fields of a `challenge` event (and nothing else it may carry). */
export function challengeOf(event: PendingChallenge): PendingChallenge {
  return {
    account_id: event.account_id,
    id: event.id,
    username: event.username,
    application: event.application,
    client_ip: event.client_ip,
    location: event.location,
    created_at: event.created_at,
    expires_at: event.expires_at,
    expires_at_local: event.expires_at_local,
    number_required: event.number_required,
  };
}

function find(state: PushState, id: string): SignInRequest | undefined {
  return state.requests.find((r) => r.challenge.id === id);
}

function withRequests(state: PushState, requests: SignInRequest[]): PushState {
  return { ...state, requests };
}

/** Changes (or with null, removes) one request; the same state when there is no such request. */
function replace(state: PushState, id: string, change: (r: SignInRequest) => SignInRequest | null): PushState {
  if (!find(state, id)) return state;
  const requests: SignInRequest[] = [];
  for (const request of state.requests) {
    const changed = request.challenge.id === id ? change(request) : request;
    if (changed) requests.push(changed);
  }
  return withRequests(state, requests);
}

function setConnection(state: PushState, accountId: string, connection: Connection): PushState {
  return { ...state, connections: { ...state.connections, [accountId]: connection } };
}

/**
 * Adds a request, or replaces the one with the same id. A replaced request keeps a verdict it
 * already shows; an answer still waiting for its verdict is forgotten (the server sending the
 * request again means the answer never reached it, so the user answers again).
 */
export function upsert(state: PushState, challenge: PendingChallenge): PushState {
  const known = find(state, challenge.id);
  const answer = known?.answer?.verdict ? known.answer : null;
  const requests = state.requests.filter((r) => r.challenge.id !== challenge.id);
  requests.push({ challenge, answer });
  return withRequests(state, requests.sort(byAge));
}

/** One event from the shell. */
export function applyEvent(state: PushState, event: PushEvent, now: number): Applied {
  switch (event.event) {
    case "connected":
      return quiet(setConnection(state, event.account_id, { state: "connected", message: null, retryAt: null }));
    case "disconnected":
      // The socket also closes after "not activated": the account stays that way.
      if (state.connections[event.account_id]?.state === "needs_reactivation") return quiet(state);
      return quiet(
        setConnection(state, event.account_id, {
          state: "reconnecting",
          message: event.reason || null,
          retryAt: now + event.retry_in_ms,
        }),
      );
    case "needs_reactivation":
      return quiet(
        setConnection(state, event.account_id, {
          state: "needs_reactivation",
          message: event.message,
          retryAt: null,
        }),
      );
    case "challenge": {
      // PROTOCOL.md: devices must ignore challenges past expires_at.
      if (event.expires_at_local * 1000 <= now) return quiet(state);
      const next = upsert(state, challengeOf(event));
      const arrived = find(next, event.id)?.answer === null;
      return { state: next, arrived, toast: null };
    }
    case "withdrawn": {
      const request = find(state, event.challenge_id);
      if (!request || request.answer?.verdict) return quiet(state);
      // Answered here: the verdict is on its way, keep waiting for it.
      if (request.answer) {
        const answer = { ...request.answer, withdrawnAt: now };
        return quiet(replace(state, event.challenge_id, (r) => ({ ...r, answer })));
      }
      return quiet(replace(state, event.challenge_id, () => null));
    }
    case "answer_result": {
      const request = find(state, event.challenge_id);
      if (!request?.answer) return quiet(state);
      const answer = { ...request.answer, verdict: event.outcome, message: event.message };
      return quiet(replace(state, event.challenge_id, (r) => ({ ...r, answer })));
    }
    case "refused": {
      const request = find(state, event.challenge_id);
      if (request?.answer) {
        const answer = { ...request.answer, verdict: "refused" as const, message: event.message };
        return quiet(replace(state, event.challenge_id, (r) => ({ ...r, answer })));
      }
      const next = request ? replace(state, event.challenge_id, () => null) : state;
      return { state: next, arrived: false, toast: refusedText(event.message, event.reason) };
    }
  }
}

/**
 * The shell's whole picture (after unlock): it replaces the connections, and its pending list
 * replaces the unanswered requests. Requests answered here stay until their verdict is seen.
 */
export function applyStatus(state: PushState, status: PushStatus, now: number): Applied {
  const connections: Record<string, Connection> = {};
  for (const account of status.accounts) {
    connections[account.account_id] = {
      state: account.state,
      message: account.message,
      retryAt: account.retry_in_ms === null ? null : now + account.retry_in_ms,
    };
  }
  const waitingBefore = new Set(unanswered(state).map((r) => r.challenge.id));
  let next: PushState = {
    connections,
    requests: state.requests.filter((r) => r.answer !== null),
  };
  for (const challenge of status.pending) {
    if (challenge.expires_at_local * 1000 > now) next = upsert(next, challengeOf(challenge));
  }
  const arrived = unanswered(next).some((r) => !waitingBefore.has(r.challenge.id));
  return { state: next, arrived, toast: null };
}

/** The user answered; the answer is being sent. */
export function markSending(state: PushState, id: string, decision: Decision): PushState {
  const answer: Answer = { decision, sentAt: null, verdict: null, message: "", withdrawnAt: null };
  return replace(state, id, (r) => (r.answer ? r : { ...r, answer }));
}

/** The shell sent the answer; the verdict comes as an event (it may already have). */
export function markSent(state: PushState, id: string, now: number): PushState {
  return replace(state, id, (r) => (r.answer ? { ...r, answer: { ...r.answer, sentAt: now } } : r));
}

/** Sending failed: the request can be answered again (unless a verdict came all the same). */
export function markUnsent(state: PushState, id: string): PushState {
  return replace(state, id, (r) => (r.answer && !r.answer.verdict ? { ...r, answer: null } : r));
}

/** The user closed the request (after its verdict, or after an error that ended it). */
export function dismiss(state: PushState, id: string): PushState {
  return replace(state, id, () => null);
}

/** On lock: requests whose verdict was already shown are not brought up again. */
export function dropFinished(state: PushState): PushState {
  if (!state.requests.some((r) => r.answer?.verdict)) return state;
  return withRequests(
    state,
    state.requests.filter((r) => !r.answer?.verdict),
  );
}

/**
 * Unanswered requests past their expiry disappear (returned, to tell the user); an answer
 * whose verdict never came gets "no_reply". The same state object when nothing changed.
 */
export function prune(state: PushState, now: number): { state: PushState; expired: PendingChallenge[] } {
  const expired: PendingChallenge[] = [];
  let changed = false;
  const requests: SignInRequest[] = [];
  for (const request of state.requests) {
    const { challenge, answer } = request;
    if (!answer) {
      if (challenge.expires_at_local * 1000 <= now) {
        expired.push(challenge);
        changed = true;
      } else {
        requests.push(request);
      }
    } else if (!answer.verdict && now >= verdictDeadline(request)) {
      requests.push({ ...request, answer: { ...answer, verdict: "no_reply" } });
      changed = true;
    } else {
      requests.push(request);
    }
  }
  return { state: changed ? withRequests(state, requests) : state, expired };
}

function verdictDeadline({ challenge, answer }: SignInRequest): number {
  const end = answer?.withdrawnAt ?? challenge.expires_at_local * 1000;
  return Math.max(end, answer?.sentAt ?? 0) + VERDICT_GRACE_MS;
}

/** Requests still waiting for the user. */
export function unanswered(state: PushState): SignInRequest[] {
  return state.requests.filter((r) => r.answer === null);
}

/**
 * The request to show: the one already on screen while it lasts (a newer or older arrival
 * must never swap the request under the user's finger), otherwise the oldest.
 */
export function pickCurrent(requests: readonly SignInRequest[], shownId: string | null): SignInRequest | null {
  return requests.find((r) => r.challenge.id === shownId) ?? requests[0] ?? null;
}

/** The connection state a Twofold account shows; null for an account without push. */
export function connectionState(
  account: Pick<AccountView, "id" | "push">,
  connections: PushState["connections"],
): PushConnection | null {
  if (!account.push) return null;
  if (account.push.state.state === "needs_reactivation") return "needs_reactivation";
  return connections[account.id]?.state ?? "connecting";
}

/** The server's words for why an account needs reactivation. */
export function reactivationMessage(
  account: Pick<AccountView, "id" | "push">,
  connections: PushState["connections"],
): string {
  const connection = connections[account.id];
  if (connection?.state === "needs_reactivation" && connection.message) return connection.message;
  if (account.push?.state.state === "needs_reactivation") return account.push.state.message;
  return connection?.message ?? "";
}

/** The status line under a Twofold account. */
export function statusText(
  state: PushConnection,
  serverName: string,
  retryAt: number | null,
  now: number,
): string {
  switch (state) {
    case "connected":
      return `Connected to ${serverName}`;
    case "connecting":
      return "Connecting…";
    case "needs_reactivation":
      return "Needs reactivation";
    case "reconnecting": {
      const seconds = retryAt === null ? 0 : Math.ceil((retryAt - now) / 1000);
      return seconds > 0 ? `Reconnecting… (next try in ${seconds} s)` : "Reconnecting…";
    }
  }
}

/** Whole seconds until the request expires, never below 0. */
export function secondsLeft(challenge: PendingChallenge, now: number): number {
  return Math.max(0, Math.ceil(challenge.expires_at_local - now / 1000));
}

/** The request's whole lifetime in seconds (at least 1, for the progress bar). */
export function lifetime(challenge: PendingChallenge): number {
  return Math.max(1, challenge.expires_at - challenge.created_at);
}

/** When the request was made, by this device's clock (unix seconds): the server's time moved
 * by the same offset as its expiry. */
export function madeAt(challenge: PendingChallenge): number {
  return challenge.expires_at_local - (challenge.expires_at - challenge.created_at);
}

export function countdownText(seconds: number): string {
  return seconds > 0 ? `Expires in ${seconds} s` : "Expired";
}

export function positionText(index: number, total: number): string {
  return `${index + 1} of ${total}`;
}

/** What the user typed for the number shown on the sign-in page: 1 to 3 digits. */
export function validNumber(text: string): boolean {
  return /^[0-9]{1,3}$/.test(text);
}

/** Keeps what can be part of the number: digits, at most 3 (paste and IME input included). */
export function cleanNumber(text: string): string {
  return text.replace(/[^0-9]/g, "").slice(0, 3);
}

/** The sentence for the answer's verdict. */
export function verdictText(verdict: Verdict, decision: Decision, message: string): string {
  switch (verdict) {
    case "accepted":
      if (decision === "approve") return "Approved. Return to the sign-in page.";
      if (decision === "deny") return "Denied. The sign-in was refused.";
      return "Denied and reported. Your administrator has been alerted.";
    case "wrong_number":
      return "The number did not match. The sign-in was denied; try signing in again.";
    case "answered_elsewhere":
      return "Already answered on another device.";
    case "expired":
      return "The request expired before your answer arrived.";
    case "cancelled":
      return "The sign-in was cancelled.";
    case "refused":
      return `The server refused this answer: ${message || "no reason given"}`;
    case "no_reply":
      return "The server did not confirm your answer. Check the sign-in page.";
  }
}

/** The toast when requests ran out of time unanswered. */
export function expiredText(expired: readonly PendingChallenge[]): string {
  const names = [...new Set(expired.map((c) => c.application))];
  if (expired.length === 1 || names.length === 0) {
    return `The sign-in request from ${expired[0]?.application ?? "a service"} expired`;
  }
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `The sign-in requests from ${list} expired`;
}

/** The unlock screen's banner. */
export function bannerText(request: SignInRequest): string {
  return `A sign-in request from ${request.challenge.application} is waiting. Unlock to answer it.`;
}

/**
 * What to say when the shell refused a request it could not trust (not signed by the server's
 * key, for another device or activation); nothing for one that had merely expired.
 */
export function refusedText(message: string, reason: string): string | null {
  if (reason === "expired") return null;
  const text = message.trim() || `a sign-in request failed the checks (${reason || "unknown"}); it was ignored`;
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** answer_push failures after which the request cannot be answered any more. */
export function endsRequest(kind: string): boolean {
  return (
    kind === "push.expired" ||
    kind === "push.not_pending" ||
    kind === "push.needs_reactivation" ||
    kind === "push.bad_device_key"
  );
}

/** An answer_push "failure" that means an answer is already on its way: wait for its verdict. */
export function alreadySent(kind: string): boolean {
  return kind === "push.already_answered";
}
