// The code list's state: a refresh moves the codes of the rows on screen without touching the
// frames, and a row shown later starts from the latest fetch, not from its (older) frame.
import { afterAll, describe, expect, it, vi } from "vitest";
import type { AccountView, Codes } from "./api";

vi.mock("./api", () => ({ api: { listAccounts: vi.fn(), lock: vi.fn() } }));
vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined });
vi.stubGlobal("document", { body: { offsetHeight: 0 } });
vi.useFakeTimers();

const { api } = await import("./api");
const state = await import("./state");

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function account(id: string, code: string, secondsLeft: number | null = 20): AccountView {
  return {
    id,
    issuer: `Issuer ${id}`,
    name: "alice",
    kind: secondsLeft === null ? "hotp" : "totp",
    algorithm: "SHA1",
    digits: 6,
    period: secondsLeft === null ? null : 30,
    counter: secondsLeft === null ? 0 : null,
    code,
    next_code: `${code}-next`,
    seconds_left: secondsLeft,
    group: null,
    note: null,
    favourite: false,
    last_used: null,
    created: 0,
    push: null,
  };
}

async function fetched(now: number, accounts: AccountView[], revision = 1): Promise<void> {
  vi.setSystemTime(now * 1000);
  vi.mocked(api.listAccounts).mockResolvedValueOnce({ now, revision, accounts } satisfies Codes);
  await state.refresh();
}

describe("refreshing the code list", () => {
  it("moves the shown codes and countdowns and leaves the frames alone", async () => {
    await fetched(1000, [account("a", "111111"), account("b", "222222"), account("c", "333333")]);
    const frames = state.frames.value;
    const [a, , c] = frames as [AccountView, AccountView, AccountView];
    const shownA = state.liveCode(a);
    const release = state.retainLive(a.id, shownA);
    expect(shownA.value.code).toBe("111111");
    const ring = state.countdown(30, 0);
    expect(ring.left.value).toBe(20);

    await fetched(1020, [account("a", "444444", 30), account("b", "555555", 30), account("c", "666666", 30)]);
    expect(state.frames.value).toBe(frames);
    expect(shownA.value).toEqual({ code: "444444", next: "444444-next", counter: null, expiresAt: 1050 });
    expect(ring.left.value).toBe(30);
    // A row shown now is given its old frame, and still shows the new code.
    expect(state.liveCode(c).value.code).toBe("666666");

    release();
    await fetched(1050, [account("a", "777777", 30), account("b", "888888", 30), account("c", "999999", 30)]);
    expect(state.liveCode(a).value.code).toBe("777777");
  });

  it("renders the list again only when a frame changes", async () => {
    await fetched(2000, [account("a", "111111"), account("h", "121212", null)], 2);
    const frames = state.frames.value;
    const hotp = state.liveCode(frames[1] as AccountView);
    const release = state.retainLive("h", hotp);
    // A saved change (the HOTP counter) that leaves every frame as it was.
    await fetched(2001, [account("a", "111111", 19), { ...account("h", "343434", null), counter: 1 }], 3);
    expect(state.frames.value).toBe(frames);
    expect(hotp.value).toMatchObject({ code: "343434", counter: 1 });

    await fetched(2002, [{ ...account("a", "111111", 18), favourite: true }, account("h", "343434", null)], 4);
    const favourite = state.frames.value;
    expect(favourite).not.toBe(frames);
    expect(favourite[0]?.favourite).toBe(true);
    release();
  });

  it("trusts an unchanged revision without comparing the accounts", async () => {
    await fetched(3000, [account("a", "111111"), account("b", "222222")], 7);
    const frames = state.frames.value;
    // The shell promises nothing but codes changed; a frame that differs anyway is not looked at.
    await fetched(3001, [{ ...account("a", "111111", 19), issuer: "Renamed" }, account("b", "222222", 19)], 7);
    expect(state.frames.value).toBe(frames);
    await fetched(3002, [{ ...account("a", "111111", 18), issuer: "Renamed" }, account("b", "222222", 18)], 8);
    expect(state.frames.value[0]?.issuer).toBe("Renamed");
  });
});
