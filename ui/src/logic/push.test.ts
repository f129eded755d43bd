import { describe, expect, it } from "vitest";
import type { AccountView, Decision, PendingChallenge, PushEvent, PushStatus } from "../api";
import {
  EMPTY,
  VERDICT_GRACE_MS,
  alreadySent,
  applyEvent,
  applyStatus,
  bannerText,
  cleanNumber,
  connectionState,
  countdownText,
  dismiss,
  dropFinished,
  endsRequest,
  expiredText,
  lifetime,
  madeAt,
  markSending,
  markSent,
  markUnsent,
  pickCurrent,
  positionText,
  prune,
  reactivationMessage,
  secondsLeft,
  statusText,
  validNumber,
  verdictText,
  type PushState,
} from "./push";

/** Device clock of the tests: 1,000,000 s, in ms. */
const NOW = 1_000_000_000;

function challenge(id: string, extra: Partial<PendingChallenge> = {}): PendingChallenge {
  return {
    account_id: "acc1",
    id,
    username: "alice",
    application: "VPN",
    client_ip: "198.51.100.7",
    location: "Lisbon, PT",
    created_at: 1_700_000_000,
    expires_at: 1_700_000_060,
    // The device clock is behind the server's: expiry 60 s from NOW.
    expires_at_local: NOW / 1000 + 60,
    number_required: true,
    ...extra,
  };
}

const arrive = (c: PendingChallenge): PushEvent => ({ event: "challenge", ...c });

/** The user answers and the shell confirms it sent the answer. */
function sent(state: PushState, id: string, decision: Decision, now: number): PushState {
  return markSent(markSending(state, id, decision), id, now);
}

function apply(state: PushState, ...events: PushEvent[]): PushState {
  return events.reduce((s, e) => applyEvent(s, e, NOW).state, state);
}

const ids = (state: PushState) => state.requests.map((r) => r.challenge.id);

function account(id: string, push: AccountView["push"]): Pick<AccountView, "id" | "push"> {
  return { id, push };
}

const active = {
  server_url: "https://mfa.example.com",
  server_name: "Example MFA",
  username: "alice",
  device_id: "dev_1",
  state: { state: "active" as const },
};

describe("push events", () => {
  it("a challenge adds a request that needs an answer", () => {
    const applied = applyEvent(EMPTY, arrive(challenge("chl_a")), NOW);
    expect(ids(applied.state)).toEqual(["chl_a"]);
    expect(applied.arrived).toBe(true);
    expect(applied.state.requests[0]?.answer).toBeNull();
  });

  it("a challenge event for a known id replaces it instead of adding a second", () => {
    const state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_a", { application: "Mail" })));
    expect(ids(state)).toEqual(["chl_a"]);
    expect(state.requests[0]?.challenge.application).toBe("Mail");
  });

  it("keeps only the challenge's own fields", () => {
    const withExtra = { ...arrive(challenge("chl_a")), extra: "x" };
    const event: PushEvent = withExtra;
    const state = apply(EMPTY, event);
    expect(state.requests[0]?.challenge).toEqual(challenge("chl_a"));
  });

  it("a resent request forgets an answer still waiting for its verdict, keeps a shown verdict", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_b")));
    state = sent(state, "chl_a", "approve", NOW);
    state = sent(state, "chl_b", "deny", NOW);
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_b",
      outcome: "accepted",
      message: "",
    });
    const applied = applyEvent(state, arrive(challenge("chl_a")), NOW);
    expect(applied.arrived).toBe(true);
    expect(applied.state.requests.find((r) => r.challenge.id === "chl_a")?.answer).toBeNull();
    const again = applyEvent(applied.state, arrive(challenge("chl_b")), NOW);
    expect(again.arrived).toBe(false);
    expect(again.state.requests.find((r) => r.challenge.id === "chl_b")?.answer?.verdict).toBe("accepted");
  });

  it("ignores a challenge that already expired", () => {
    const late = challenge("chl_a", { expires_at_local: NOW / 1000 - 1 });
    const applied = applyEvent(EMPTY, arrive(late), NOW);
    expect(applied.state.requests).toEqual([]);
    expect(applied.arrived).toBe(false);
  });

  it("orders requests oldest first, whatever the arrival order", () => {
    const state = apply(
      EMPTY,
      arrive(challenge("chl_c", { created_at: 1_700_000_030 })),
      arrive(challenge("chl_b", { created_at: 1_700_000_010, expires_at: 1_700_000_090 })),
      arrive(challenge("chl_a", { created_at: 1_700_000_010 })),
      arrive(challenge("chl_0", { created_at: 1_700_000_010 })),
    );
    expect(ids(state)).toEqual(["chl_0", "chl_a", "chl_b", "chl_c"]);
  });

  it("withdrawn removes an unanswered request", () => {
    const state = apply(
      EMPTY,
      arrive(challenge("chl_a")),
      arrive(challenge("chl_b")),
      { event: "withdrawn", account_id: "acc1", challenge_id: "chl_a", reason: "approved" },
    );
    expect(ids(state)).toEqual(["chl_b"]);
  });

  it("withdrawn keeps a request whose outcome is shown, and one waiting for its verdict", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_b")));
    state = sent(state, "chl_a", "approve", NOW);
    state = sent(state, "chl_b", "approve", NOW);
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_a",
      outcome: "accepted",
      message: "",
    });
    const withdraw = (id: string): PushEvent => ({
      event: "withdrawn",
      account_id: "acc1",
      challenge_id: id,
      reason: "approved",
    });
    state = apply(state, withdraw("chl_a"), withdraw("chl_b"), withdraw("chl_unknown"));
    expect(ids(state)).toEqual(["chl_a", "chl_b"]);
    expect(state.requests[0]?.answer?.verdict).toBe("accepted");
    expect(state.requests[1]?.answer?.withdrawnAt).toBe(NOW);
    // The verdict after the withdrawal still lands.
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_b",
      outcome: "wrong_number",
      message: "",
    });
    expect(state.requests[1]?.answer?.verdict).toBe("wrong_number");
  });

  it("answer_result records the verdict for that request only", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_b")));
    state = sent(state, "chl_b", "report", NOW);
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_b",
      outcome: "accepted",
      message: "reported",
    });
    expect(state.requests[0]?.answer).toBeNull();
    expect(state.requests[1]?.answer).toMatchObject({ decision: "report", verdict: "accepted", message: "reported" });
  });

  it("keeps a verdict that arrives before the shell confirms the answer was sent", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")));
    state = markSending(state, "chl_a", "approve");
    expect(state.requests[0]?.answer?.sentAt).toBeNull();
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_a",
      outcome: "accepted",
      message: "",
    });
    state = markSent(state, "chl_a", NOW);
    expect(state.requests[0]?.answer).toMatchObject({ decision: "approve", verdict: "accepted", sentAt: NOW });
    // Not pruned as unanswered at expiry while it is being sent, either.
    const sending = markSending(apply(EMPTY, arrive(challenge("chl_b"))), "chl_b", "deny");
    expect(prune(sending, NOW + 61_000).expired).toEqual([]);
  });

  it("a failed send makes the request answerable again", () => {
    const state = markSending(apply(EMPTY, arrive(challenge("chl_a"))), "chl_a", "approve");
    const failed = markUnsent(state, "chl_a");
    expect(failed.requests[0]?.answer).toBeNull();
    expect(markSent(failed, "chl_a", NOW).requests[0]?.answer).toBeNull();
    expect(markUnsent(failed, "chl_unknown")).toBe(failed);
  });

  it("answer_result for a request not answered here changes nothing", () => {
    const state = apply(EMPTY, arrive(challenge("chl_a")));
    const after = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_a",
      outcome: "accepted",
      message: "",
    });
    expect(after).toBe(state);
  });

  it("refused: the verdict of a sent answer; otherwise the request goes, with a toast", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_b")));
    state = sent(state, "chl_a", "approve", NOW);
    const refuse = (id: string): PushEvent => ({
      event: "refused",
      account_id: "acc1",
      challenge_id: id,
      reason: "bad_signature",
      message: "the request is not signed by your Twofold server's key; it was ignored",
    });
    const first = applyEvent(state, refuse("chl_a"), NOW);
    expect(first.state.requests[0]?.answer).toMatchObject({
      verdict: "refused",
      message: "the request is not signed by your Twofold server's key; it was ignored",
    });
    expect(first.toast).toBeNull();
    const second = applyEvent(first.state, refuse("chl_b"), NOW);
    expect(ids(second.state)).toEqual(["chl_a"]);
    const said = "The request is not signed by your Twofold server's key; it was ignored.";
    expect(second.toast).toBe(said);
    expect(applyEvent(EMPTY, refuse("chl_x"), NOW).toast).toBe(said);
    // One that had merely expired was never shown: nothing to say.
    const expired: PushEvent = {
      event: "refused",
      account_id: "acc1",
      challenge_id: "chl_y",
      reason: "expired",
      message: "the request had already expired; it was ignored",
    };
    expect(applyEvent(EMPTY, expired, NOW).toast).toBeNull();
  });

  it("tracks each account's connection", () => {
    let state = apply(EMPTY, {
      event: "disconnected",
      account_id: "acc1",
      reason: "connection reset",
      retry_in_ms: 4_000,
    });
    expect(state.connections["acc1"]).toEqual({
      state: "reconnecting",
      message: "connection reset",
      retryAt: NOW + 4_000,
    });
    state = apply(state, { event: "connected", account_id: "acc1", server_time: 1, clock_offset: 0 });
    expect(state.connections["acc1"]).toEqual({ state: "connected", message: null, retryAt: null });
    state = apply(state, {
      event: "needs_reactivation",
      account_id: "acc1",
      message: "Authentication request is not for an activated account",
    });
    expect(state.connections["acc1"]?.state).toBe("needs_reactivation");
    // The socket closing after that does not turn it back into "reconnecting".
    state = apply(state, { event: "disconnected", account_id: "acc1", reason: "closed", retry_in_ms: 1000 });
    expect(state.connections["acc1"]?.state).toBe("needs_reactivation");
    expect(state.connections["acc1"]?.message).toBe("Authentication request is not for an activated account");
  });
});

describe("push status", () => {
  const status: PushStatus = {
    accounts: [
      {
        account_id: "acc1",
        label: "Example (alice)",
        username: "alice",
        server_name: "Example MFA",
        server_url: "https://mfa.example.com",
        state: "reconnecting",
        message: "timed out",
        retry_in_ms: 2_000,
      },
    ],
    pending: [challenge("chl_b"), challenge("chl_a", { created_at: 1_699_999_990 })],
  };

  it("replaces the connections and brings the pending requests, oldest first", () => {
    const applied = applyStatus(EMPTY, status, NOW);
    expect(applied.state.connections["acc1"]).toEqual({ state: "reconnecting", message: "timed out", retryAt: NOW + 2_000 });
    expect(ids(applied.state)).toEqual(["chl_a", "chl_b"]);
    expect(applied.arrived).toBe(true);
  });

  it("drops unanswered requests the shell no longer has, keeps answered ones", () => {
    let state = apply(EMPTY, arrive(challenge("chl_gone")), arrive(challenge("chl_sent")));
    state = sent(state, "chl_sent", "deny", NOW);
    const applied = applyStatus(state, { accounts: [], pending: [challenge("chl_a")] }, NOW);
    expect(ids(applied.state).sort()).toEqual(["chl_a", "chl_sent"]);
  });

  it("does not call known requests new arrivals", () => {
    const state = apply(EMPTY, arrive(challenge("chl_a")));
    expect(applyStatus(state, { accounts: [], pending: [challenge("chl_a")] }, NOW).arrived).toBe(false);
  });
});

describe("expiry", () => {
  it("drops unanswered requests at their local expiry and says which", () => {
    const state = apply(
      EMPTY,
      arrive(challenge("chl_a", { application: "VPN", expires_at_local: NOW / 1000 + 5 })),
      arrive(challenge("chl_b", { application: "Mail", expires_at_local: NOW / 1000 + 50 })),
    );
    const early = prune(state, NOW + 4_999);
    expect(early.state).toBe(state);
    expect(early.expired).toEqual([]);
    const later = prune(state, NOW + 5_000);
    expect(ids(later.state)).toEqual(["chl_b"]);
    expect(later.expired.map((c) => c.id)).toEqual(["chl_a"]);
    expect(expiredText(later.expired)).toBe("The sign-in request from VPN expired");
  });

  it("keeps answered requests past expiry; a verdict that never comes turns into no_reply", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a", { expires_at_local: NOW / 1000 + 5 })));
    state = sent(state, "chl_a", "approve", NOW + 4_000);
    const expiry = NOW + 5_000;
    expect(prune(state, expiry).state).toBe(state);
    expect(prune(state, expiry + VERDICT_GRACE_MS - 1).state).toBe(state);
    const late = prune(state, expiry + VERDICT_GRACE_MS);
    expect(late.expired).toEqual([]);
    expect(late.state.requests[0]?.answer?.verdict).toBe("no_reply");
  });

  it("a withdrawn request waiting for its verdict gives up after the grace time", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")));
    state = sent(state, "chl_a", "approve", NOW);
    state = applyEvent(state, { event: "withdrawn", account_id: "acc1", challenge_id: "chl_a", reason: "approved" }, NOW + 1_000).state;
    expect(prune(state, NOW + 1_000 + VERDICT_GRACE_MS - 1).state).toBe(state);
    expect(prune(state, NOW + 1_000 + VERDICT_GRACE_MS).state.requests[0]?.answer?.verdict).toBe("no_reply");
  });

  it("names every application when several expire together", () => {
    expect(expiredText([challenge("a", { application: "VPN" }), challenge("b", { application: "Mail" })])).toBe(
      "The sign-in requests from VPN and Mail expired",
    );
    expect(expiredText([challenge("a"), challenge("b")])).toBe("The sign-in requests from VPN expired");
  });

  it("counts down by the device clock", () => {
    const c = challenge("chl_a");
    expect(secondsLeft(c, NOW)).toBe(60);
    expect(secondsLeft(c, NOW + 12_500)).toBe(48);
    expect(secondsLeft(c, NOW + 60_000)).toBe(0);
    expect(secondsLeft(c, NOW + 90_000)).toBe(0);
    expect(countdownText(47)).toBe("Expires in 47 s");
    expect(countdownText(0)).toBe("Expired");
    expect(lifetime(c)).toBe(60);
  });

  it("places the request's creation on the device clock", () => {
    // Server says created 60 s before expiry; expiry is NOW+60 s on the device.
    expect(madeAt(challenge("chl_a"))).toBe(NOW / 1000);
  });
});

describe("the request on screen", () => {
  it("stays the same request while it lasts, then the oldest", () => {
    let state = apply(EMPTY, arrive(challenge("chl_b", { created_at: 1_700_000_020 })));
    expect(pickCurrent(state.requests, null)?.challenge.id).toBe("chl_b");
    // An older one arrives while chl_b is on screen: chl_b stays.
    state = apply(state, arrive(challenge("chl_a", { created_at: 1_700_000_000 })));
    expect(pickCurrent(state.requests, "chl_b")?.challenge.id).toBe("chl_b");
    state = dismiss(state, "chl_b");
    expect(pickCurrent(state.requests, "chl_b")?.challenge.id).toBe("chl_a");
    expect(pickCurrent([], "chl_a")).toBeNull();
    expect(positionText(0, 3)).toBe("1 of 3");
  });

  it("on lock forgets requests whose outcome was shown", () => {
    let state = apply(EMPTY, arrive(challenge("chl_a")), arrive(challenge("chl_b")));
    state = sent(state, "chl_a", "deny", NOW);
    state = apply(state, {
      event: "answer_result",
      account_id: "acc1",
      challenge_id: "chl_a",
      outcome: "accepted",
      message: "",
    });
    expect(ids(dropFinished(state))).toEqual(["chl_b"]);
    const unchanged = dismiss(state, "chl_a");
    expect(dropFinished(unchanged)).toBe(unchanged);
  });

  it("accepts 1 to 3 digits as the number", () => {
    expect(validNumber("")).toBe(false);
    expect(validNumber("4")).toBe(true);
    expect(validNumber("42")).toBe(true);
    expect(validNumber("042")).toBe(true);
    expect(validNumber("1234")).toBe(false);
    expect(validNumber("4a")).toBe(false);
    expect(validNumber(" 42")).toBe(false);
    expect(validNumber("٤٢")).toBe(false);
    expect(cleanNumber(" 4-2x9 7")).toBe("429");
    expect(cleanNumber("abc")).toBe("");
  });

  it("says what happened, for each verdict", () => {
    expect(verdictText("accepted", "approve", "")).toBe("Approved. Return to the sign-in page.");
    expect(verdictText("accepted", "deny", "")).toBe("Denied. The sign-in was refused.");
    expect(verdictText("accepted", "report", "")).toBe("Denied and reported. Your administrator has been alerted.");
    expect(verdictText("wrong_number", "approve", "")).toBe(
      "The number did not match. The sign-in was denied; try signing in again.",
    );
    expect(verdictText("answered_elsewhere", "approve", "")).toBe("Already answered on another device.");
    expect(verdictText("expired", "deny", "")).toBe("The request expired before your answer arrived.");
    expect(verdictText("cancelled", "approve", "")).toBe("The sign-in was cancelled.");
    expect(verdictText("refused", "approve", "not this user's challenge")).toBe(
      "The server refused this answer: not this user's challenge",
    );
    expect(verdictText("no_reply", "approve", "")).toMatch(/did not confirm/);
  });

  it("asks to unlock when a request waits on a locked vault", () => {
    const state = apply(EMPTY, arrive(challenge("chl_a", { application: "VPN" })));
    expect(bannerText(state.requests[0]!)).toBe("A sign-in request from VPN is waiting. Unlock to answer it.");
  });

  it("knows which answer errors end the request", () => {
    expect(endsRequest("push.expired")).toBe(true);
    expect(endsRequest("push.not_pending")).toBe(true);
    expect(endsRequest("push.not_connected")).toBe(false);
    expect(endsRequest("push.number_required")).toBe(false);
    expect(alreadySent("push.already_answered")).toBe(true);
    expect(alreadySent("push.not_connected")).toBe(false);
  });
});

describe("Twofold accounts in the list", () => {
  it("has no push state without push", () => {
    expect(connectionState(account("a", null), {})).toBeNull();
  });

  it("is connecting until the shell says otherwise", () => {
    expect(connectionState(account("acc1", active), {})).toBe("connecting");
    const state = apply(EMPTY, { event: "connected", account_id: "acc1", server_time: 1, clock_offset: 0 });
    expect(connectionState(account("acc1", active), state.connections)).toBe("connected");
  });

  it("needs reactivation when the vault says so, or the shell does", () => {
    const stored = {
      ...active,
      state: { state: "needs_reactivation" as const, message: "Authentication request is not for an activated account" },
    };
    const connected = apply(EMPTY, { event: "connected", account_id: "acc1", server_time: 1, clock_offset: 0 });
    expect(connectionState(account("acc1", stored), connected.connections)).toBe("needs_reactivation");
    expect(reactivationMessage(account("acc1", stored), connected.connections)).toBe(
      "Authentication request is not for an activated account",
    );
    const told = apply(EMPTY, { event: "needs_reactivation", account_id: "acc1", message: "Revoked by admin" });
    expect(connectionState(account("acc1", active), told.connections)).toBe("needs_reactivation");
    expect(reactivationMessage(account("acc1", active), told.connections)).toBe("Revoked by admin");
  });

  it("describes the connection", () => {
    expect(statusText("connected", "Example MFA", null, NOW)).toBe("Connected to Example MFA");
    expect(statusText("connecting", "Example MFA", null, NOW)).toBe("Connecting…");
    expect(statusText("needs_reactivation", "Example MFA", null, NOW)).toBe("Needs reactivation");
    expect(statusText("reconnecting", "Example MFA", NOW + 4_200, NOW)).toBe("Reconnecting… (next try in 5 s)");
    expect(statusText("reconnecting", "Example MFA", NOW - 10, NOW)).toBe("Reconnecting…");
    expect(statusText("reconnecting", "Example MFA", null, NOW)).toBe("Reconnecting…");
  });
});
