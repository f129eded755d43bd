// Code display and the countdown. The shell computes codes at one instant (`now`); the list
// counts down locally and asks again only when the first code changes.
import type { AccountView } from "../api";

/** "123456" → "123 456", "12345678" → "1234 5678", Steam's "ABCDE" stays as it is. */
export function formatCode(code: string): string {
  if (!/^\d+$/.test(code)) return code;
  if (code.length === 6) return `${code.slice(0, 3)} ${code.slice(3)}`;
  if (code.length === 7) return `${code.slice(0, 3)} ${code.slice(3)}`;
  if (code.length === 8) return `${code.slice(0, 4)} ${code.slice(4)}`;
  if (code.length > 8) return code.replace(/(\d{3})(?=\d)/g, "$1 ");
  return code;
}

/**
 * Seconds left for an account whose code had `secondsLeft` to go `elapsed` seconds ago
 * (1..period; at 0 the code has changed and the list must be fetched again).
 */
export function remaining(secondsLeft: number, elapsed: number): number {
  return secondsLeft - elapsed;
}

/** Seconds (from the fetch) until the first code in the list changes; null if none does. */
export function firstExpiry(accounts: readonly AccountView[]): number | null {
  let first: number | null = null;
  for (const account of accounts) {
    if (account.seconds_left !== null && (first === null || account.seconds_left < first)) {
      first = account.seconds_left;
    }
  }
  return first;
}

/** The countdown turns urgent in the last 5 seconds (or the last sixth of a short period). */
export function isUrgent(left: number, period: number): boolean {
  return left <= Math.min(5, Math.ceil(period / 6));
}

/** The second within `period` at which a code expiring at unix second `expiresAt` changes (0
 * for every usual TOTP code: RFC 6238 counts periods from the unix epoch). */
export function phaseOf(period: number, expiresAt: number): number {
  return ((expiresAt % period) + period) % period;
}

/** The first unix second after `now` at which codes of this period and phase change. */
export function nextBoundary(now: number, period: number, phase: number): number {
  return now + (phaseOf(period, phase - now) || period);
}
