// Timings of the work that must fit in a frame, kept as the last few hundred samples per kind:
// "refresh" (new codes in, to the list laid out), "open" (the same for the first list after an
// unlock, which mounts the rows), "refreshState" (its part before style and layout), "tick" (the countdown's second), "search" (a
// keystroke to its result laid out); and "fetch", the wait for the shell's whole list, and
// "fetchCodes", for the time-based codes alone (the refresh at each step), during which the
// main thread is free. The benchmark in src-tauri/tests/it reads them from
// `window.__twofoldPerf`; nothing else does.

export type PerfKind = "refresh" | "refreshState" | "open" | "tick" | "search" | "fetch" | "fetchCodes";

const LIMIT = 300;
const samples: Record<PerfKind, number[]> = {
  refresh: [],
  refreshState: [],
  open: [],
  tick: [],
  search: [],
  fetch: [],
  fetchCodes: [],
};

export function record(kind: PerfKind, ms: number): void {
  const list = samples[kind];
  list.push(ms);
  if (list.length > LIMIT) list.shift();
}

/** Forces style and layout, so a timing includes them (not just the DOM changes). */
export function settle(): void {
  void document.body.offsetHeight;
}

declare global {
  interface Window {
    __twofoldPerf?: Record<PerfKind, number[]>;
  }
}

if (typeof window !== "undefined") window.__twofoldPerf = samples;
