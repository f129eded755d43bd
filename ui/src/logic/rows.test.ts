import { describe, expect, it } from "vitest";
import type { AccountView } from "../api";
import { expiresAt, sameFrame } from "./rows";

const base: AccountView = {
  id: "1", issuer: "GitHub", name: "alice", kind: "totp", algorithm: "SHA1", digits: 6, period: 30,
  counter: null, code: "123456", next_code: "654321", seconds_left: 12, group: null, note: null,
  favourite: false, last_used: null, created: 0, push: null,
};
const push: AccountView["push"] = {
  server_url: "https://mfa.example.com", server_name: "Example MFA", username: "alice",
  device_id: "dev_1", state: { state: "active" },
};

describe("rows", () => {
  it("renders the frame again only for what it shows, not for new codes", () => {
    const refreshed = { ...base, code: "000000", next_code: "111111", counter: 3, seconds_left: 3, last_used: 99 };
    expect(sameFrame(base, refreshed)).toBe(true);
    for (const change of [
      { kind: "hotp" }, { issuer: "GitLab" }, { issuer: null }, { name: "bob" }, { group: "Work" },
      { note: "n" }, { favourite: true }, { period: 60 }, { push }, { id: "2" },
    ] as Partial<AccountView>[]) {
      expect(sameFrame(base, { ...base, ...change })).toBe(false);
    }
  });

  it("sees a Twofold account's reactivation", () => {
    const a = { ...base, push };
    const b = { ...base, push: { ...push, state: { state: "needs_reactivation" as const, message: "m" } } };
    const c = { ...base, push: { ...push, state: { state: "needs_reactivation" as const, message: "other" } } };
    expect(sameFrame(a, { ...a, push: { ...push } })).toBe(true);
    expect(sameFrame(a, b)).toBe(false);
    expect(sameFrame(b, c)).toBe(false);
    expect(sameFrame(a, { ...a, push: { ...push, server_name: "New name" } })).toBe(false);
  });

  it("places the code's expiry on the clock", () => {
    expect(expiresAt(base, 1_700_000_018)).toBe(1_700_000_030);
    expect(expiresAt({ ...base, seconds_left: null }, 1_700_000_018)).toBeNull();
  });
});
