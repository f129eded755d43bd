// The app's state as signals: which screen is up, the codes, the settings, messages.
import { batch, computed, signal, type ReadonlySignal, type Signal } from "@preact/signals";
import { api, type AccountView, type Codes } from "./api";
import { firstExpiry, isUrgent, nextBoundary, phaseOf } from "./logic/codes";
import { loadSettings, type Settings } from "./logic/settings";
import { sameFrame } from "./logic/rows";
import { fold, searchFields } from "./logic/search";
import { record, settle } from "./perf";

export type Screen =
  | "loading"
  | "setup"
  | "unlock"
  | "accounts"
  | "add"
  | "import"
  | "export"
  | "settings"
  | "request";

export const screen = signal<Screen>("loading");
export const codes = signal<Codes | null>(null);
/** The current unix second (device clock), moved by the tick: the countdowns read it. */
export const second = signal(Math.floor(Date.now() / 1000));
export const settings = signal<Settings>(loadSettings());
export const toast = signal<{ text: string; id: number } | null>(null);
export const vaultPath = signal("");

/** The fetched accounts by id: a row's codes and countdown follow it without the row. */
export const accountsById = computed(() => {
  const byId = new Map<string, AccountView>();
  for (const account of codes.value?.accounts ?? []) byId.set(account.id, account);
  return byId;
});

let lastFrames: readonly AccountView[] = [];

/**
 * The accounts as the list sees them: the same array for as long as no row's frame changed
 * (logic/rows.ts). A refresh that only brings new codes (nearly every one) leaves it alone, so
 * the list does not render again; the rows' live parts follow `codes` themselves.
 */
export const frames = computed((): readonly AccountView[] => {
  const accounts = codes.value?.accounts ?? [];
  const previous = lastFrames;
  const same =
    accounts.length === previous.length &&
    accounts.every((account, i) => sameFrame(account, previous[i] as AccountView));
  if (!same) lastFrames = accounts;
  return lastFrames;
});

/** Cached search text per account, keyed by the fields it folds. */
let searchCache = new Map<string, { fields: string; text: string }>();

/** Search text per account id, rebuilt when a frame changes; only changed accounts are folded. */
export const searchIndex = computed(() => {
  const index = new Map<string, string>();
  const cache = new Map<string, { fields: string; text: string }>();
  for (const account of frames.value) {
    const fields = searchFields(account);
    let entry = searchCache.get(account.id);
    if (entry?.fields !== fields) entry = { fields, text: fold(fields) };
    cache.set(account.id, entry);
    index.set(account.id, entry.text);
  }
  searchCache = cache;
  return index;
});

/** The unix second the shown codes were computed for (the shell's `now`). */
let computedFor = 0;
/** The unix second the first shown code changes; null when none does (HOTP only). */
let nextChange: number | null = null;
let toastId = 0;
let refreshing: Promise<void> | null = null;

function currentSecond(): number {
  return Math.floor(Date.now() / 1000);
}

export function showToast(text: string): void {
  toast.value = { text, id: ++toastId };
}

/**
 * Fetches every account's codes; the countdown restarts from this instant. Two timings: "fetch"
 * is the wait for the shell (the main thread is free meanwhile, no frame is late for it) and
 * "refresh" the main-thread work from the answer to a laid-out list, which must fit in a frame.
 * (The JSON parse happens inside the IPC call, so it is counted in "fetch".)
 */
export function refresh(): Promise<void> {
  const started = performance.now();
  refreshing ??= api
    .listAccounts()
    .then(async (fresh) => {
      const received = performance.now();
      record("fetch", received - started);
      computedFor = fresh.now;
      const expiry = firstExpiry(fresh.accounts);
      nextChange = expiry === null ? null : fresh.now + expiry;
      batch(() => {
        second.value = currentSecond();
        moveCountdowns(fresh);
        codes.value = fresh;
      });
      // Preact renders in a microtask; wait for it, then for style and layout.
      await Promise.resolve();
      settle();
      record("refresh", performance.now() - received);
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Called a few times a second: moves the countdown and fetches new codes when one changes. */
export function tick(): void {
  const list = codes.value;
  if (!list || screen.value === "unlock" || screen.value === "setup") return;
  const started = performance.now();
  const now = currentSecond();
  if (now !== second.value) {
    second.value = now;
    settle();
    record("tick", performance.now() - started);
  }
  // A code changed (or the clock went back): fetch the list again.
  if (nextChange !== null && (now >= nextChange || now < computedFor) && !refreshing) void refresh();
}

interface Countdown {
  left: ReadonlySignal<number>;
  urgent: ReadonlySignal<boolean>;
}

// One countdown per (period, phase), the phase being the second within the period at which the
// code changes (0 for every usual TOTP account): all 30-second accounts share one, so a tick
// updates a handful of signals whatever the number of accounts. A refresh moves each one's
// expiry, so a row's countdown never renders again for a new code; it shows 0 (not a new
// period) while a code is past its expiry and not yet fetched again.
const countdowns = new Map<string, Countdown & { expiresAt: Signal<number> }>();

/** The countdown of codes with this period that change at `phase` seconds into it. */
export function countdown(period: number, phase: number): Countdown {
  return shared(period, phase);
}

function shared(period: number, phase: number): Countdown & { expiresAt: Signal<number> } {
  const key = `${period}:${phase}`;
  let found = countdowns.get(key);
  if (!found) {
    // Until a refresh says otherwise: the next change by the clock.
    const expiry = signal(nextBoundary(second.peek(), period, phase));
    const left = computed(() => Math.max(0, expiry.value - second.value));
    found = { left, urgent: computed(() => isUrgent(left.value, period)), expiresAt: expiry };
    countdowns.set(key, found);
  }
  return found;
}

function moveCountdowns(fresh: Codes): void {
  for (const account of fresh.accounts) {
    if (account.period === null || account.seconds_left === null) continue;
    const expiresAt = fresh.now + account.seconds_left;
    shared(account.period, phaseOf(account.period, expiresAt)).expiresAt.value = expiresAt;
  }
}

export async function lockNow(): Promise<void> {
  await api.lock();
  codes.value = null;
  screen.value = "unlock";
}
