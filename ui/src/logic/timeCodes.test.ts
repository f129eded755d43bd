import { describe, expect, it } from "vitest";
import type { AccountView, Codes, TimeCodes } from "../api";
import { withTimeCodes } from "./timeCodes";

function account(id: string, kind: AccountView["kind"], code: string): AccountView {
  const hotp = kind === "hotp";
  return {
    id,
    issuer: `Issuer ${id}`,
    name: "alice",
    kind,
    algorithm: "SHA1",
    digits: kind === "steam" ? 5 : 6,
    period: hotp ? null : 30,
    counter: hotp ? 4 : null,
    code,
    next_code: `${code}-next`,
    seconds_left: hotp ? null : 3,
    group: "Work",
    note: null,
    favourite: id === "b",
    last_used: null,
    created: 0,
    push: null,
    icon: null,
    use_count: 2,
    position: 0,
  };
}

const list: Codes = {
  now: 1000,
  revision: 9,
  // Display order (favourites first); the shell sends the codes in vault order.
  accounts: [account("b", "steam", "ABCDE"), account("a", "totp", "111111"), account("h", "hotp", "755224")],
};

function fresh(codes: TimeCodes["codes"], revision = 9): TimeCodes {
  return { now: 1003, revision, codes };
}

describe("putting the fetched codes into the list", () => {
  it("replaces every time-based account's codes and keeps the rest of each account", () => {
    const merged = withTimeCodes(
      list,
      fresh([
        ["a", "222222", "333333", 30],
        ["b", "FGHJK", "MNPQR", 30],
      ]),
    );
    expect(merged).not.toBeNull();
    expect(merged?.now).toBe(1003);
    expect(merged?.revision).toBe(9);
    expect(merged?.accounts.map((a) => [a.id, a.code, a.next_code, a.seconds_left])).toEqual([
      ["b", "FGHJK", "MNPQR", 30],
      ["a", "222222", "333333", 30],
      ["h", "755224", "755224-next", null],
    ]);
    expect(merged?.accounts[0]).toEqual({ ...list.accounts[0], code: "FGHJK", next_code: "MNPQR", seconds_left: 30 });
    // The HOTP account is the same object: nothing of it changed.
    expect(merged?.accounts[2]).toBe(list.accounts[2]);
    // The list itself is left as it was.
    expect(list.accounts[1]?.code).toBe("111111");
  });

  it("refuses codes of another revision", () => {
    expect(withTimeCodes(list, fresh([["a", "2", "3", 30], ["b", "F", "M", 30]], 10))).toBeNull();
  });

  it("refuses codes that do not cover the list, or cover more", () => {
    expect(withTimeCodes(list, fresh([["a", "2", "3", 30]]))).toBeNull();
    expect(
      withTimeCodes(list, fresh([["a", "2", "3", 30], ["b", "F", "M", 30], ["x", "4", "5", 30]])),
    ).toBeNull();
    expect(withTimeCodes(list, fresh([["a", "2", "3", 30], ["a", "2", "3", 30]]))).toBeNull();
    // Codes for the HOTP account: it shows its counter's code, the shell never sends it.
    expect(
      withTimeCodes(list, fresh([["a", "2", "3", 30], ["b", "F", "M", 30], ["h", "6", "7", 30]])),
    ).toBeNull();
  });
});
