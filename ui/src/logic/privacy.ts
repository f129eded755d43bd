// The privacy options: codes hidden until tapped, and the next code shown only in the last
// seconds of the current one. Pure: every function takes the time it judges.

/** Seconds a revealed HOTP code stays visible (it has no period of its own). */
export const HOTP_REVEAL_SECONDS = 30;

/**
 * Until when (unix second) a tapped code stays revealed: to the end of its period, as Aegis
 * does, so the code does not vanish while it is typed; never less than a few seconds, so a code
 * tapped in its last second is still readable (it then shows the next code's whole period).
 */
export function revealUntil(now: number, secondsLeft: number | null, period: number | null): number {
  if (secondsLeft === null || period === null) return now + HOTP_REVEAL_SECONDS;
  return secondsLeft >= 3 ? now + secondsLeft : now + secondsLeft + period;
}

/** Whether a code is shown: always when hiding is off, else while a tap's reveal lasts. */
export function codeShown(hide: boolean, revealedUntil: number | null, now: number): boolean {
  return !hide || (revealedUntil !== null && now < revealedUntil);
}

/**
 * Whether the next code is shown. `lastSeconds` 0: whenever the setting is on; else only
 * when the current code has at most that many seconds left (HOTP: always, it does not expire).
 */
export function nextShown(showNext: boolean, lastSeconds: number, left: number | null): boolean {
  if (!showNext) return false;
  return lastSeconds === 0 || left === null || left <= lastSeconds;
}

/** What stands for a hidden code: one dot per character, grouped as the code would be. */
export function maskCode(code: string): string {
  return "•".repeat(code.length);
}
