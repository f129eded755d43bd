import { describe, expect, it } from "vitest";
import { dropTarget, moveTarget, sortAccounts } from "./sort";

const a = (issuer: string | null, name: string, extra: Record<string, unknown> = {}) => ({
  id: `${issuer}:${name}`,
  issuer,
  name,
  favourite: false,
  last_used: null as number | null,
  use_count: 0,
  position: 0,
  ...extra,
});

const labels = (list: { issuer: string | null; name: string }[]) => list.map((x) => `${x.issuer ?? "-"}/${x.name}`);

describe("sorting", () => {
  const accounts = [
    a("github", "aaron", { position: 2, use_count: 5, last_used: 10 }),
    a("Amazon", "bob", { position: 0, use_count: 1, last_used: 50 }),
    a(null, "carol", { position: 3, use_count: 5, last_used: 20 }),
    a("Bank", "alice", { position: 1, favourite: true, use_count: 0 }),
  ];

  it("by issuer, case-insensitive, favourites first, an account without issuer by its name", () => {
    expect(labels(sortAccounts(accounts, "issuer"))).toEqual(["Bank/alice", "Amazon/bob", "-/carol", "github/aaron"]);
  });

  it("by account name, favourites first", () => {
    expect(labels(sortAccounts(accounts, "name"))).toEqual(["Bank/alice", "github/aaron", "Amazon/bob", "-/carol"]);
  });

  it("by most used, then most recently used", () => {
    expect(labels(sortAccounts(accounts, "used"))).toEqual(["Bank/alice", "-/carol", "github/aaron", "Amazon/bob"]);
  });

  it("custom: the vault's order only, favourites not lifted", () => {
    expect(labels(sortAccounts(accounts, "custom"))).toEqual(["Amazon/bob", "Bank/alice", "github/aaron", "-/carol"]);
  });

  it("does not change the list it was given", () => {
    const copy = [...accounts];
    sortAccounts(accounts, "name");
    expect(accounts).toEqual(copy);
  });

  it("moves past the shown neighbour, even when the search hides rows between", () => {
    const shown = [
      { id: "a", position: 0 },
      { id: "c", position: 4 },
      { id: "d", position: 7 },
    ];
    expect(moveTarget(shown, 1, -1)).toBe(0);
    expect(moveTarget(shown, 1, 1)).toBe(7);
    expect(moveTarget(shown, 0, -1)).toBeNull();
    expect(moveTarget(shown, 2, 1)).toBeNull();
    expect(dropTarget({ id: "a", position: 0 }, { id: "d", position: 7 })).toBe(7);
    expect(dropTarget({ id: "a", position: 0 }, { id: "a", position: 0 })).toBeNull();
  });
});
