// The app's state as signals: which screen is up, the codes, the settings, messages.
import { batch, computed, signal, type ReadonlySignal, type Signal } from "@preact/signals";
import { api, type AccountView, type Codes } from "./api";
import { firstExpiry, isUrgent, nextBoundary } from "./logic/codes";
import { loadSettings, type Settings } from "./logic/settings";
import { loadDisplay, saveDisplay, type Display } from "./logic/display";
import { forgetImages } from "./iconStore";
import { expiresAt, sameFrame } from "./logic/rows";
import { fold, searchFields } from "./logic/search";
import { record, settle } from "./perf";
import { withTimeCodes } from "./logic/timeCodes";

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
/** The privacy options and the list's order (logic/display.ts). */
export const display = signal<Display>(loadDisplay());

export function updateDisplay(change: Partial<Display>): void {
  display.value = { ...display.value, ...change };
  saveDisplay(display.value);
}
export const toast = signal<{ text: string; id: number } | null>(null);
export const vaultPath = signal("");

let lastFrames: readonly AccountView[] = [];
let lastRevision: number | null = null;

/**
 * The accounts as the list sees them: the same array for as long as no row's frame changed
 * (logic/rows.ts). A refresh that only brings new codes (nearly every one) leaves it alone, so
 * the list does not render again; the rows' live parts follow the codes themselves. While the
 * shell's revision stays the same, nothing but codes can have changed and the accounts are not
 * even compared.
 */
export const frames = computed((): readonly AccountView[] => {
  const list = codes.value;
  const accounts = list?.accounts ?? [];
  const previous = lastFrames;
  if (list !== null && list.revision === lastRevision && accounts.length === previous.length) {
    return previous;
  }
  lastRevision = list?.revision ?? null;
  const same =
    accounts.length === previous.length &&
    accounts.every((account, i) => sameFrame(account, previous[i] as AccountView));
  if (!same) lastFrames = accounts;
  return lastFrames;
});

/** What a row shows that changes with every fetch: its codes and when they expire. */
export interface LiveCode {
  code: string;
  next: string;
  counter: number | null;
  /** Unix second the code changes (by the shell's clock); null for HOTP. */
  expiresAt: number | null;
}

/** The latest fetch's accounts (the frames may hold older versions of them). */
let latest: readonly AccountView[] = [];

/** Where each account is in the frames, and so in `latest` while the frames hold. */
const positions = computed(() => {
  const byId = new Map<string, number>();
  frames.value.forEach((account, i) => byId.set(account.id, i));
  return byId;
});

/** An account's frame by id (the sign-in request's server name); unmoved by new codes. */
export function frameOf(id: string): AccountView | undefined {
  const at = positions.value.get(id);
  return at === undefined ? undefined : frames.value[at];
}

function latestOf(id: string): AccountView | undefined {
  const at = positions.peek().get(id);
  const found = at === undefined ? undefined : latest[at];
  return found?.id === id ? found : latest.find((account) => account.id === id);
}

/**
 * The live codes of the rows on screen, one signal per account, so a refresh updates only
 * their text nodes and costs what the screen shows, not what the vault holds. A row retains
 * its entry while mounted (`retainLive`); one made by a render that never mounted is still
 * kept current, and dropped with the next unmount of that id or the lock.
 */
const live = new Map<string, { codes: Signal<LiveCode>; users: number }>();

function liveOf(account: AccountView, now: number): LiveCode {
  return {
    code: account.code,
    next: account.next_code,
    counter: account.counter,
    expiresAt: expiresAt(account, now),
  };
}

/** The live codes of the account with this id (from the latest fetch, not the frame given). */
export function liveCode(account: AccountView): ReadonlySignal<LiveCode> {
  let entry = live.get(account.id);
  if (!entry) {
    entry = { codes: signal(liveOf(latestOf(account.id) ?? account, computedFor)), users: 0 };
    live.set(account.id, entry);
  }
  return entry.codes;
}

/** A mounted row keeps its live codes current until the returned release is called. */
export function retainLive(id: string, codes: ReadonlySignal<LiveCode>): () => void {
  let entry = live.get(id);
  if (entry?.codes !== codes) {
    // Released by the row this one replaced, between this row's render and its mount.
    entry = { codes: codes as Signal<LiveCode>, users: 0 };
    live.set(id, entry);
    const account = latestOf(id);
    if (account) moveOne(entry.codes, liveOf(account, computedFor));
  }
  const held = entry;
  held.users++;
  return () => {
    held.users--;
    if (held.users <= 0 && live.get(id) === held) live.delete(id);
  };
}

function moveOne(codes: Signal<LiveCode>, now: LiveCode): void {
  const was = codes.peek();
  if (
    was.code !== now.code ||
    was.next !== now.next ||
    was.counter !== now.counter ||
    was.expiresAt !== now.expiresAt
  ) {
    codes.value = now;
  }
}

/** Moves the live codes of the rows on screen. */
function moveLive(fresh: Codes): void {
  for (const [id, entry] of live) {
    const account = latestOf(id);
    if (account) moveOne(entry.codes, liveOf(account, fresh.now));
  }
}

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
/** The fetch under way, and a whole-list fetch waiting for it (`refresh`). */
let refreshing: Promise<void> | null = null;
let queued: Promise<void> | null = null;

function currentSecond(): number {
  return Math.floor(Date.now() / 1000);
}

export function showToast(text: string): void {
  toast.value = { text, id: ++toastId };
}

/**
 * Fetches every account and shows it; the countdown restarts from this instant. Called after
 * the user changed something: a fetch already under way may have read the accounts before
 * that change was saved, so one more runs after it. Timings: "fetch" is the wait for the shell
 * (the main thread is free meanwhile, no frame is late for it) and "refresh" the main-thread
 * work from the answer to a laid-out list, which must fit in a frame. (The JSON parse happens
 * inside the IPC call, so it is counted in "fetch".)
 */
export function refresh(): Promise<void> {
  const underWay = refreshing;
  if (underWay === null) return run(fetchList);
  queued ??= underWay
    .catch(() => undefined)
    .then(() => {
      queued = null;
      return run(fetchList);
    });
  return queued;
}

/**
 * The refresh when a code changes: only the time-based codes (`account_codes`, a fraction of
 * the list's bytes), put into the accounts the list has. When the shell's revision moved
 * (something besides the codes changed: an account added, edited, removed, moved, a HOTP
 * counter, a push state) or the codes do not fit the list, the whole list is fetched instead.
 * "fetchCodes" times the codes' IPC call.
 */
export function refreshCodes(): Promise<void> {
  return refreshing ?? run(fetchCodes);
}

function run(fetch: () => Promise<void>): Promise<void> {
  const running: Promise<void> = fetch().finally(() => {
    if (refreshing === running) refreshing = null;
  });
  refreshing = running;
  return running;
}

async function fetchList(): Promise<void> {
  const started = performance.now();
  const fresh = await api.listAccounts();
  const received = performance.now();
  record("fetch", received - started);
  await show(fresh, received);
}

async function fetchCodes(): Promise<void> {
  if (codes.peek() === null) return fetchList();
  const started = performance.now();
  const fresh = await api.accountCodes();
  const received = performance.now();
  record("fetchCodes", received - started);
  // Read after the wait: the list the codes go into is the one on screen now.
  const list = codes.peek();
  // Locked meanwhile: these codes are not shown.
  if (list === null) return;
  const merged = withTimeCodes(list, fresh);
  if (merged === null) return fetchList();
  await show(merged, received);
}

/** Puts a fetched list on screen; `received`: when its answer came (the timings start there). */
async function show(fresh: Codes, received: number): Promise<void> {
  const opening = codes.peek() === null;
  computedFor = fresh.now;
  const expiry = firstExpiry(fresh.accounts);
  nextChange = expiry === null ? null : fresh.now + expiry;
  latest = fresh.accounts;
  batch(() => {
    second.value = currentSecond();
    codes.value = fresh;
    moveCountdowns(fresh.now);
    moveLive(fresh);
  });
  if (!opening) record("refreshState", performance.now() - received);
  // Preact renders in a microtask; wait for it, then for style and layout.
  await Promise.resolve();
  settle();
  record(opening ? "open" : "refresh", performance.now() - received);
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
  // A code changed (or the clock went back): fetch the codes again.
  if (nextChange !== null && (now >= nextChange || now < computedFor) && !refreshing) {
    void refreshCodes();
  }
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

/** Every countdown to its next change after the shell's `now` (the shared ones: a handful). */
function moveCountdowns(now: number): void {
  for (const [key, countdown] of countdowns) {
    const [period, phase] = key.split(":").map(Number) as [number, number];
    countdown.expiresAt.value = nextBoundary(now, period, phase);
  }
}

export async function lockNow(): Promise<void> {
  await api.lock();
  codes.value = null;
  // The codes leave memory with the vault's key (as far as a garbage collector allows).
  latest = [];
  live.clear();
  forgetImages();
  screen.value = "unlock";
}
