import { describe, expect, it } from "vitest";
import { DEFAULTS, autoLockMs, describeMinutes, describeSeconds, parseSettings, saveSettings } from "./settings";

describe("settings", () => {
  it("falls back to the defaults for missing or broken storage", () => {
    expect(parseSettings(null)).toEqual(DEFAULTS);
    expect(parseSettings("{not json")).toEqual(DEFAULTS);
    expect(parseSettings("42")).toEqual(DEFAULTS);
  });

  it("keeps only values the screens offer", () => {
    const parsed = parseSettings(
      JSON.stringify({ autoLockMinutes: 7, clipboardClearSeconds: 60, showNextCode: "yes" }),
    );
    expect(parsed).toEqual({ autoLockMinutes: 5, clipboardClearSeconds: 60, showNextCode: true });
  });

  it("round-trips through storage", () => {
    const store = new Map<string, string>();
    const storage = {
      setItem: (k: string, v: string) => void store.set(k, v),
      getItem: (k: string) => store.get(k) ?? null,
    };
    const settings = { autoLockMinutes: 0, clipboardClearSeconds: 0, showNextCode: false };
    saveSettings(settings, storage);
    expect(parseSettings(storage.getItem("twofold.settings"))).toEqual(settings);
  });

  it("turns auto-lock minutes into milliseconds, 0 meaning never", () => {
    expect(autoLockMs({ ...DEFAULTS, autoLockMinutes: 2 })).toBe(120_000);
    expect(autoLockMs({ ...DEFAULTS, autoLockMinutes: 0 })).toBeNull();
  });

  it("describes the choices", () => {
    expect(describeMinutes(0)).toBe("Never");
    expect(describeMinutes(1)).toBe("1 minute");
    expect(describeMinutes(60)).toBe("1 hour");
    expect(describeSeconds(30)).toBe("30 seconds");
    expect(describeSeconds(120)).toBe("2 minutes");
  });
});
