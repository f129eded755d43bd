import { describe, expect, it } from "vitest";
import { parseDisplay, DISPLAY_DEFAULTS, saveDisplay } from "./display";
import { HOTP_REVEAL_SECONDS, codeShown, maskCode, nextShown, revealUntil } from "./privacy";

describe("hidden codes", () => {
  it("stay hidden until tapped, then show until the code's period ends", () => {
    const now = 1_000;
    expect(codeShown(true, null, now)).toBe(false);
    expect(codeShown(false, null, now)).toBe(true);
    const until = revealUntil(now, 12, 30);
    expect(until).toBe(now + 12);
    expect(codeShown(true, until, now + 11)).toBe(true);
    expect(codeShown(true, until, now + 12)).toBe(false);
  });

  it("a code tapped in its last seconds stays for the next one's period too", () => {
    expect(revealUntil(1_000, 2, 30)).toBe(1_032);
    expect(revealUntil(1_000, 3, 30)).toBe(1_003);
  });

  it("HOTP codes show for a fixed time", () => {
    expect(revealUntil(1_000, null, null)).toBe(1_000 + HOTP_REVEAL_SECONDS);
  });

  it("are masked character by character", () => {
    expect(maskCode("123456")).toBe("••••••");
    expect(maskCode("ABCDE")).toBe("•••••");
  });
});

describe("next code in the last seconds", () => {
  it("shows always with 0, only in the last N seconds otherwise, never when off", () => {
    expect(nextShown(true, 0, 25)).toBe(true);
    expect(nextShown(true, 10, 11)).toBe(false);
    expect(nextShown(true, 10, 10)).toBe(true);
    expect(nextShown(true, 10, 1)).toBe(true);
    expect(nextShown(false, 0, 1)).toBe(false);
    expect(nextShown(true, 10, null)).toBe(true);
  });
});

describe("display options", () => {
  it("parse with defaults and keep only offered values", () => {
    expect(parseDisplay(null)).toEqual(DISPLAY_DEFAULTS);
    expect(parseDisplay("{oops")).toEqual(DISPLAY_DEFAULTS);
    expect(parseDisplay(JSON.stringify({ hideCodes: "yes", nextCodeLastSeconds: 7, sortMode: "random" }))).toEqual(
      DISPLAY_DEFAULTS,
    );
    const chosen = { hideCodes: true, nextCodeLastSeconds: 10, sortMode: "custom" as const };
    const store = new Map<string, string>();
    saveDisplay(chosen, { setItem: (k, v) => void store.set(k, v) });
    expect(parseDisplay(store.get("twofold.display") ?? null)).toEqual(chosen);
  });
});
