import { describe, expect, it } from "vitest";
import type { AccountView } from "../api";
import { filterAccounts, fold, groups, searchText, title } from "./search";

function account(id: string, issuer: string | null, name: string, extra: Partial<AccountView> = {}): AccountView {
  return {
    id, issuer, name, kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: null,
    code: "123456", next_code: "654321", seconds_left: 12, group: null, note: null,
    favourite: false, last_used: null, created: 0, push: null, ...extra,
  };
}

const list = [
  account("1", "GitHub", "alice", { group: "Work", favourite: true }),
  account("2", "Café Léon", "bob@example.com", { note: "shared till" }),
  account("3", null, "vpn.example.com", { group: "Work" }),
  account("4", "Google", "alice@gmail.com", { group: "Personal" }),
];

describe("search", () => {
  it("folds case and accents", () => {
    expect(fold("Café LÉON")).toBe("cafe leon");
  });

  it("finds by issuer, name, group and note, every word required", () => {
    const ids = (q: string) => filterAccounts(list, q, { type: "all" }).map((a) => a.id);
    expect(ids("git")).toEqual(["1"]);
    expect(ids("cafe")).toEqual(["2"]);
    expect(ids("alice")).toEqual(["1", "4"]);
    expect(ids("alice gmail")).toEqual(["4"]);
    expect(ids("work")).toEqual(["1", "3"]);
    expect(ids("till")).toEqual(["2"]);
    expect(ids("  ")).toEqual(["1", "2", "3", "4"]);
    expect(ids("nothing-like-this")).toEqual([]);
  });

  it("filters by favourites and by group, together with the query", () => {
    expect(filterAccounts(list, "", { type: "favourites" }).map((a) => a.id)).toEqual(["1"]);
    expect(filterAccounts(list, "", { type: "group", name: "Work" }).map((a) => a.id)).toEqual(["1", "3"]);
    expect(filterAccounts(list, "vpn", { type: "group", name: "Work" }).map((a) => a.id)).toEqual(["3"]);
  });

  it("uses a prebuilt index when given one", () => {
    const index = new Map(list.map((a) => [a.id, searchText(a)]));
    expect(filterAccounts(list, "google", { type: "all" }, index).map((a) => a.id)).toEqual(["4"]);
  });

  it("lists groups sorted with counts", () => {
    expect(groups(list)).toEqual([
      { name: "Personal", count: 1 },
      { name: "Work", count: 2 },
    ]);
  });

  it("titles an account by issuer, or by name when it has none", () => {
    expect(title(list[0]!)).toEqual({ primary: "GitHub", secondary: "alice" });
    expect(title(list[2]!)).toEqual({ primary: "vpn.example.com", secondary: null });
  });

  it("searches 1,000 accounts in well under a frame", () => {
    const many = Array.from({ length: 1000 }, (_, i) => account(`${i}`, `Issuer ${i}`, `user${i}@example.com`));
    const index = new Map(many.map((a) => [a.id, searchText(a)]));
    const found = filterAccounts(many, "issuer 99", { type: "all" }, index);
    expect(found.map((a) => a.id)).toContain("99");
    expect(found.map((a) => a.id)).toContain("999");
  });
});
