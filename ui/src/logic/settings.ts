// The app's preferences, kept in the web view's local storage (they hold nothing secret).

export interface Settings {
  /** Minutes without input before the vault locks; 0: never. */
  autoLockMinutes: number;
  /** Seconds before a copied code is cleared from the clipboard; 0: never. */
  clipboardClearSeconds: number;
  /** Show the next code under the current one. */
  showNextCode: boolean;
}

export const DEFAULTS: Settings = {
  autoLockMinutes: 5,
  clipboardClearSeconds: 30,
  showNextCode: true,
};

export const AUTO_LOCK_CHOICES = [1, 2, 5, 10, 30, 60, 0] as const;
export const CLIPBOARD_CHOICES = [10, 20, 30, 60, 120, 0] as const;

const KEY = "twofold.settings";

function pick<T extends number>(value: unknown, choices: readonly T[], fallback: T): T {
  return choices.includes(value as T) ? (value as T) : fallback;
}

/** The object stored as JSON text; `{}` for nothing, broken JSON or a non-object. */
export function storedObject(text: string | null): Record<string, unknown> {
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Reads settings, keeping only values the screens offer (anything else: the default). */
export function parseSettings(text: string | null): Settings {
  const raw = storedObject(text);
  return {
    autoLockMinutes: pick(raw["autoLockMinutes"], AUTO_LOCK_CHOICES, DEFAULTS.autoLockMinutes as 5),
    clipboardClearSeconds: pick(
      raw["clipboardClearSeconds"],
      CLIPBOARD_CHOICES,
      DEFAULTS.clipboardClearSeconds as 30,
    ),
    showNextCode:
      typeof raw["showNextCode"] === "boolean" ? raw["showNextCode"] : DEFAULTS.showNextCode,
  };
}

export function loadSettings(storage: Pick<Storage, "getItem"> = localStorage): Settings {
  return parseSettings(storage.getItem(KEY));
}

export function saveSettings(
  settings: Settings,
  storage: Pick<Storage, "setItem"> = localStorage,
): void {
  storage.setItem(KEY, JSON.stringify(settings));
}

export function autoLockMs(settings: Settings): number | null {
  return settings.autoLockMinutes > 0 ? settings.autoLockMinutes * 60_000 : null;
}

export function describeMinutes(minutes: number): string {
  if (minutes === 0) return "Never";
  if (minutes === 60) return "1 hour";
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export function describeSeconds(seconds: number): string {
  if (seconds === 0) return "Never";
  if (seconds >= 60) return seconds === 60 ? "1 minute" : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}
