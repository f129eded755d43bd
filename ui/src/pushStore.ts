// Sign-in requests and Twofold connections as signals. Fed by the shell's `push_status` (at
// start and after unlock) and its "push" events; brings the request screen up over whatever
// screen is showing when a request arrives, and goes back to it afterwards. The rules are the
// pure functions of ./logic/push.ts.
import { batch, computed, signal } from "@preact/signals";
import { listen } from "@tauri-apps/api/event";
import { api, isCommandError, type Decision, type PushEvent } from "./api";
import {
  EMPTY,
  alreadySent,
  applyEvent,
  applyStatus,
  dismiss,
  dropFinished,
  expiredText,
  markSending,
  markSent,
  markUnsent,
  pickCurrent,
  prune,
  unanswered,
  type Applied,
  type PushState,
} from "./logic/push";
import { screen, showToast, type Screen } from "./state";

export const push = signal<PushState>(EMPTY);
/** The device clock (ms), moved by the app's tick: request countdowns and retry times read it. */
export const clock = signal(Date.now());
/** The request on the request screen (it stays there until answered, withdrawn or expired). */
const shownId = signal<string | null>(null);

export const currentRequest = computed(() => pickCurrent(push.value.requests, shownId.value));
/** The oldest request still waiting for an answer (the unlock screen mentions it). */
export const waitingRequest = computed(() => unanswered(push.value)[0] ?? null);

/** Where the request screen goes back to. */
let returnTo: Screen = "accounts";

function unlocked(): boolean {
  const now = screen.value;
  return now !== "loading" && now !== "setup" && now !== "unlock";
}

function commit(next: PushState): void {
  if (next === push.value) return;
  batch(() => {
    push.value = next;
    const sticky = screen.value === "request" ? shownId.value : null;
    shownId.value = pickCurrent(next.requests, sticky)?.challenge.id ?? null;
    if (screen.value === "request" && next.requests.length === 0) {
      screen.value = returnTo;
      returnTo = "accounts";
    }
  });
}

/** Brings the request screen up (unlocked only: a locked vault shows a banner instead). */
function showRequests(): void {
  if (!unlocked() || screen.value === "request" || push.value.requests.length === 0) return;
  returnTo = screen.value;
  shownId.value = pickCurrent(push.value.requests, null)?.challenge.id ?? null;
  screen.value = "request";
}

function take(applied: Applied): void {
  commit(applied.state);
  if (applied.toast) showToast(applied.toast);
  if (applied.arrived) showRequests();
}

export function receive(event: PushEvent): void {
  const now = Date.now();
  clock.value = now; // A countdown shown now starts from now, not from the last tick.
  take(applyEvent(push.value, event, now));
}

/** Asks the shell for every connection and pending request. */
export async function loadPushStatus(): Promise<void> {
  let status;
  try {
    status = await api.pushStatus();
  } catch {
    return; // Locked, or a shell without push: the events still come.
  }
  take(applyStatus(push.value, status, Date.now()));
}

/** After unlock: the account list, with the request screen over it when a request waits. */
export function afterUnlock(): void {
  commit(dropFinished(push.value));
  screen.value = "accounts";
  showRequests();
  void loadPushStatus();
}

/** On the app's tick: moves the clock; requests past their expiry go, with a toast. */
export function tickPush(now: number): void {
  clock.value = now;
  const { state, expired } = prune(push.value, now);
  commit(state);
  if (expired.length > 0) showToast(expiredText(expired));
}

/**
 * Sends the user's answer. It is recorded first: the verdict can arrive (as an event) before
 * the shell's reply to `answer_push` does. Throws the shell's error, the answer then undone
 * (unless the shell says an answer is already on its way).
 */
export async function sendAnswer(
  challenge: { account_id: string; id: string },
  decision: Decision,
  number: string | null,
): Promise<void> {
  commit(markSending(push.value, challenge.id, decision));
  try {
    await api.answerPush(challenge.account_id, challenge.id, decision, number);
  } catch (err) {
    if (!(isCommandError(err) && alreadySent(err.kind))) {
      commit(markUnsent(push.value, challenge.id));
      throw err;
    }
  }
  commit(markSent(push.value, challenge.id, Date.now()));
}

/** The user is done with this request: the next one, or back to the screen before. */
export function closeRequest(challengeId: string): void {
  commit(dismiss(push.value, challengeId));
}

/** Listens for the shell's "push" events; returns the function that stops listening. */
export function startPush(): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen<PushEvent>("push", (e) => receive(e.payload)).then(
    (stop) => (stopped ? stop() : (unlisten = stop)),
    () => undefined, // Not inside the shell (a plain browser): nothing to listen to.
  );
  void loadPushStatus();
  return () => {
    stopped = true;
    unlisten?.();
  };
}
