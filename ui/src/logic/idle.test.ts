import { describe, expect, it } from "vitest";
import { idleTimer } from "./idle";

describe("idle timer", () => {
  it("expires after the timeout without activity", () => {
    const timer = idleTimer(60_000, 0);
    expect(timer.expired(59_999)).toBe(false);
    expect(timer.expired(60_000)).toBe(true);
  });

  it("starts again on activity", () => {
    const timer = idleTimer(60_000, 0);
    timer.activity(50_000);
    expect(timer.expired(100_000)).toBe(false);
    expect(timer.expired(110_000)).toBe(true);
  });

  it("ignores activity stamped in the past", () => {
    const timer = idleTimer(1_000, 5_000);
    timer.activity(1_000);
    expect(timer.expired(6_000)).toBe(true);
  });

  it("never expires when set to never", () => {
    const timer = idleTimer(null, 0);
    expect(timer.expired(Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it("a new timeout counts from when it was set", () => {
    const timer = idleTimer(null, 0);
    timer.setTimeout(1_000, 10_000);
    expect(timer.expired(10_999)).toBe(false);
    expect(timer.expired(11_000)).toBe(true);
  });
});
