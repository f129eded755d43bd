// The app's state as signals: which screen is up, the codes, the settings, messages.
import { computed, signal, type ReadonlySignal } from "@preact/signals";
import { api, type Codes } from "./api";
import { firstExpiry, isUrgent } from "./logic/codes";
import { loadSettings, type Settings } from "./logic/settings";
import { searchText } from "./logic/search";
import { record, settle } from "./perf";

export type Screen =
  | "loading"
  | "setup"
  | "unlock"
  | "accounts"
  | "add"
  | "import"
  | "export"
  | "settings";

export const screen = signal<Screen>("loading");
export const codes = signal<Codes | null>(null);
/** Whole seconds since the second the shown codes were computed for. */
export const elapsed = signal(0);
export const settings = signal<Settings>(loadSettings());
export const toast = signal<{ text: string; id: number } | null>(null);
export const vaultPath = signal("");

/** Search text per account id, rebuilt when the list is fetched. */
export const searchIndex = computed(() => {
  const index = new Map<string, string>();
  for (const account of codes.value?.accounts ?? []) index.set(account.id, searchText(account));
  return index;
});

/** The unix second the shown codes were computed for (the shell's `now`). */
let computedFor = 0;
let toastId = 0;
let refreshing: Promise<void> | null = null;

/**
 * Whole seconds since the start of unix second `at`, by the same clock the shell read: the
 * countdown then turns over on the second, not up to a second late.
 */
function secondsSince(at: number): number {
  return Math.floor(Date.now() / 1000) - at;
}

export function showToast(text: string): void {
  toast.value = { text, id: ++toastId };
}

/** Fetches every account's codes; the countdown restarts from this instant. */
export function refresh(): Promise<void> {
  const started = performance.now();
  refreshing ??= api
    .listAccounts()
    .then(async (fresh) => {
      const fetched = performance.now();
      record("fetch", fetched - started);
      computedFor = fresh.now;
      elapsed.value = secondsSince(computedFor);
      codes.value = fresh;
      // Preact renders in a microtask; wait for it, then for style and layout.
      await Promise.resolve();
      settle();
      record("refresh", performance.now() - started);
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
  const seconds = secondsSince(computedFor);
  if (seconds !== elapsed.value) {
    elapsed.value = seconds;
    settle();
    record("tick", performance.now() - started);
  }
  const expiry = firstExpiry(list.accounts);
  // A code changed (or the clock went back): fetch the list again.
  if (expiry !== null && (seconds >= expiry || seconds < 0) && !refreshing) void refresh();
}

interface Countdown {
  left: ReadonlySignal<number>;
  urgent: ReadonlySignal<boolean>;
}

// One countdown per (period, seconds left at fetch): all 30-second accounts share one, so a
// tick updates a handful of signals whatever the number of accounts.
const countdowns = new Map<string, Countdown>();

export function countdown(period: number, secondsLeft: number): Countdown {
  const key = `${period}:${secondsLeft}`;
  let found = countdowns.get(key);
  if (!found) {
    const left = computed(() => Math.max(0, secondsLeft - elapsed.value));
    found = { left, urgent: computed(() => isUrgent(left.value, period)) };
    countdowns.set(key, found);
  }
  return found;
}

export async function lockNow(): Promise<void> {
  await api.lock();
  codes.value = null;
  screen.value = "unlock";
}
