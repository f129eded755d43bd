import { describe, expect, it } from "vitest";
import type { AccountView } from "../api";
import { firstExpiry, formatCode, isUrgent, nextBoundary, phaseOf, remaining } from "./codes";

describe("codes", () => {
  it("groups digits for reading", () => {
    expect(formatCode("123456")).toBe("123 456");
    expect(formatCode("1234567")).toBe("123 4567");
    expect(formatCode("12345678")).toBe("1234 5678");
    expect(formatCode("1234567890")).toBe("123 456 789 0");
    expect(formatCode("12345")).toBe("12345");
    expect(formatCode("2G4KX")).toBe("2G4KX");
  });

  it("counts down from the fetch", () => {
    expect(remaining(17, 0)).toBe(17);
    expect(remaining(17, 5)).toBe(12);
    expect(remaining(17, 17)).toBe(0);
  });

  it("knows when the first code in the list changes (HOTP never does)", () => {
    const a = { seconds_left: 12 } as AccountView;
    const b = { seconds_left: 42 } as AccountView;
    const hotp = { seconds_left: null } as AccountView;
    expect(firstExpiry([b, a, hotp])).toBe(12);
    expect(firstExpiry([hotp])).toBeNull();
    expect(firstExpiry([])).toBeNull();
  });

  it("turns urgent in the last seconds", () => {
    expect(isUrgent(5, 30)).toBe(true);
    expect(isUrgent(6, 30)).toBe(false);
    expect(isUrgent(2, 10)).toBe(true);
    expect(isUrgent(3, 10)).toBe(false);
  });

  it("places a code's change within its period", () => {
    expect(phaseOf(30, 1_700_000_010)).toBe(0);
    expect(phaseOf(30, 1_700_000_017)).toBe(7);
    expect(phaseOf(60, 1_700_000_010)).toBe(30);
    expect(nextBoundary(1_700_000_000, 30, 0)).toBe(1_700_000_010);
    expect(nextBoundary(1_700_000_010, 30, 0)).toBe(1_700_000_040);
    expect(nextBoundary(1_700_000_011, 30, 0)).toBe(1_700_000_040);
    expect(nextBoundary(1_700_000_011, 30, 7)).toBe(1_700_000_017);
  });
});
