// Auto-lock after a period without input. The timer logic is separate from the DOM so it can
// be tested with a fake clock.

export interface IdleTimer {
  /** Call on every user input. */
  activity(now: number): void;
  /** True once `timeoutMs` passed since the last activity (and not yet reset). */
  expired(now: number): boolean;
  setTimeout(timeoutMs: number | null, now: number): void;
}

/** `timeoutMs` null: never. */
export function idleTimer(timeoutMs: number | null, now: number): IdleTimer {
  let last = now;
  let timeout = timeoutMs;
  return {
    activity(at) {
      if (at > last) last = at;
    },
    expired(at) {
      return timeout !== null && at - last >= timeout;
    },
    setTimeout(ms, at) {
      timeout = ms;
      last = at;
    },
  };
}
