// How the list shows codes and in which order: the privacy options and the sort. Kept in the
// web view's local storage beside the other settings (logic/settings.ts), under a key of their
// own, so older settings keep parsing as they did.
import { storedObject } from "./settings";
import { SORT_MODES, type SortMode } from "./sort";

export interface Display {
  /** Codes are dots until tapped (or Enter): against shoulder-surfing and screen sharing. */
  hideCodes: boolean;
  /** With the next code on: show it only in the current code's last N seconds; 0: always. */
  nextCodeLastSeconds: number;
  /** The account list's order. */
  sortMode: SortMode;
}

export const DISPLAY_DEFAULTS: Display = {
  hideCodes: false,
  nextCodeLastSeconds: 0,
  sortMode: "issuer",
};

export const NEXT_CODE_CHOICES = [0, 5, 10, 15, 20] as const;

const KEY = "twofold.display";

/** Reads the display options, keeping only values the screens offer (else the default). */
export function parseDisplay(text: string | null): Display {
  const raw = storedObject(text);
  const seconds = raw["nextCodeLastSeconds"];
  return {
    hideCodes: typeof raw["hideCodes"] === "boolean" ? raw["hideCodes"] : DISPLAY_DEFAULTS.hideCodes,
    nextCodeLastSeconds: NEXT_CODE_CHOICES.includes(seconds as 0)
      ? (seconds as number)
      : DISPLAY_DEFAULTS.nextCodeLastSeconds,
    sortMode: SORT_MODES.some((m) => m.mode === raw["sortMode"])
      ? (raw["sortMode"] as SortMode)
      : DISPLAY_DEFAULTS.sortMode,
  };
}

export function loadDisplay(storage: Pick<Storage, "getItem"> = localStorage): Display {
  return parseDisplay(storage.getItem(KEY));
}

export function saveDisplay(display: Display, storage: Pick<Storage, "setItem"> = localStorage): void {
  storage.setItem(KEY, JSON.stringify(display));
}

export function describeNextCode(seconds: number): string {
  return seconds === 0 ? "Always" : `In the last ${seconds} seconds`;
}
