// The list's refresh at each code change: only the codes are fetched, they reach the rows on
// screen, and the whole list is fetched instead whenever the shell's revision moved.
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountView, Codes, TimeCodes } from "./api";

vi.mock("./api", () => ({ api: { listAccounts: vi.fn(), accountCodes: vi.fn(), lock: vi.fn() } }));
vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined });
vi.stubGlobal("document", { body: { offsetHeight: 0 } });
vi.useFakeTimers();

const { api } = await import("./api");
const state = await import("./state");

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

beforeEach(() => {
  vi.mocked(api.listAccounts).mockReset();
  vi.mocked(api.accountCodes).mockReset();
});

function account(id: string, code: string, secondsLeft: number | null): AccountView {
  const hotp = secondsLeft === null;
  return {
    id,
    issuer: `Issuer ${id}`,
    name: "alice",
    kind: hotp ? "hotp" : "totp",
    algorithm: "SHA1",
    digits: 6,
    period: hotp ? null : 30,
    counter: hotp ? 0 : null,
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

/** The whole list at `now`, shown as after an unlock or a change. */
async function listed(now: number, revision: number, accounts: AccountView[]): Promise<void> {
  vi.setSystemTime(now * 1000);
  vi.mocked(api.listAccounts).mockResolvedValueOnce({ now, revision, accounts } satisfies Codes);
  await state.refresh();
  // What each test counts starts here.
  vi.mocked(api.listAccounts).mockClear();
}

/** The clock reaches `now` and the countdown's tick asks for new codes; waits for them. */
async function ticked(now: number): Promise<void> {
  vi.setSystemTime(now * 1000);
  state.tick();
  // The refresh under way (or none): settled once every pending promise has run.
  await vi.runAllTimersAsync();
}

function codesAt(now: number, revision: number, codes: TimeCodes["codes"]): void {
  vi.mocked(api.accountCodes).mockResolvedValueOnce({ now, revision, codes } satisfies TimeCodes);
}

/** The clock reaches `now` and the tick asks for codes; they come when the caller answers. */
function tickedAndWaiting(now: number): (codes: TimeCodes) => void {
  let answer: (codes: TimeCodes) => void = () => undefined;
  vi.mocked(api.accountCodes).mockReturnValueOnce(
    new Promise<TimeCodes>((resolve) => {
      answer = resolve;
    }),
  );
  vi.setSystemTime(now * 1000);
  state.tick();
  return answer;
}

describe("the refresh at a code change", () => {
  it("fetches only the codes and shows them, the next code and the countdown included", async () => {
    await listed(10_000, 3, [account("a", "111111", 20), account("h", "755224", null)]);
    const frames = state.frames.value;
    const [a, h] = frames as [AccountView, AccountView];
    const shown = state.liveCode(a);
    const release = state.retainLive(a.id, shown);
    const hotp = state.liveCode(h);
    const ring = state.countdown(30, 0);
    expect(ring.left.value).toBe(20);

    codesAt(10_020, 3, [["a", "222222", "333333", 30]]);
    await ticked(10_020);
    expect(api.accountCodes).toHaveBeenCalledTimes(1);
    expect(api.listAccounts).not.toHaveBeenCalled();
    // Not the codes of the list fetched 20 seconds ago.
    expect(shown.value).toEqual({ code: "222222", next: "333333", counter: null, expiresAt: 10_050 });
    expect(ring.left.value).toBe(30);
    expect(hotp.value).toMatchObject({ code: "755224", counter: 0, expiresAt: null });
    expect(state.frames.value).toBe(frames);

    // The next step: new codes again (the expiry moved with the first fetch).
    codesAt(10_050, 3, [["a", "444444", "555555", 30]]);
    await ticked(10_049);
    expect(api.accountCodes).toHaveBeenCalledTimes(1);
    await ticked(10_050);
    expect(api.accountCodes).toHaveBeenCalledTimes(2);
    expect(shown.value.code).toBe("444444");
    release();
    // A row shown later starts from the latest codes, not from its frame's.
    expect(state.liveCode(a).value.code).toBe("444444");
  });

  it("fetches the whole list when the revision moved, and shows what changed", async () => {
    await listed(20_000, 5, [account("a", "111111", 10), account("h", "755224", null)]);
    const frames = state.frames.value;
    const hotp = state.liveCode(frames[1] as AccountView);
    const release = state.retainLive("h", hotp);

    // Saved meanwhile without this screen asking (a push state, the CLI): revision 6.
    codesAt(20_010, 6, [["a", "222222", "333333", 30]]);
    vi.mocked(api.listAccounts).mockResolvedValueOnce({
      now: 20_010,
      revision: 6,
      accounts: [
        { ...account("a", "222222", 30), issuer: "Renamed" },
        { ...account("h", "287082", null), counter: 1 },
      ],
    });
    await ticked(20_010);
    expect(api.accountCodes).toHaveBeenCalledTimes(1);
    expect(api.listAccounts).toHaveBeenCalledTimes(1);
    expect(state.frames.value[0]?.issuer).toBe("Renamed");
    expect(hotp.value).toMatchObject({ code: "287082", counter: 1 });
    release();

    // Back on the short path with the new revision.
    codesAt(20_040, 6, [["a", "444444", "555555", 30]]);
    await ticked(20_040);
    expect(api.listAccounts).toHaveBeenCalledTimes(1);
    expect(state.codes.value?.accounts[0]).toMatchObject({ code: "444444", issuer: "Renamed" });
    expect(state.liveCode(state.frames.value[0] as AccountView).value.code).toBe("444444");
  });

  it("fetches the whole list when the codes do not fit the list", async () => {
    await listed(30_000, 8, [account("a", "111111", 10), account("b", "121212", 10)]);
    // The same revision, but b's codes are missing: never show a's alone with b's old ones.
    codesAt(30_010, 8, [["a", "222222", "333333", 30]]);
    vi.mocked(api.listAccounts).mockResolvedValueOnce({
      now: 30_010,
      revision: 8,
      accounts: [account("a", "222222", 30), account("b", "343434", 30)],
    });
    await ticked(30_010);
    expect(api.listAccounts).toHaveBeenCalledTimes(1);
    expect(state.liveCode(state.frames.value[1] as AccountView).value.code).toBe("343434");
  });

  it("fetches the list once more after a change saved while codes were on their way", async () => {
    await listed(40_000, 11, [account("a", "111111", 10)]);
    const answer = tickedAndWaiting(40_010);
    // The user favourites the account; its screen saves, then refreshes.
    vi.mocked(api.listAccounts).mockResolvedValueOnce({
      now: 40_010,
      revision: 12,
      accounts: [{ ...account("a", "222222", 30), favourite: true }],
    });
    const refreshed = state.refresh();
    expect(api.listAccounts).not.toHaveBeenCalled();
    // The codes were read before the save: the old revision.
    answer({ now: 40_010, revision: 11, codes: [["a", "222222", "333333", 30]] });
    await refreshed;
    expect(api.listAccounts).toHaveBeenCalledTimes(1);
    expect(state.frames.value[0]?.favourite).toBe(true);
  });

  it("drops codes that arrive after the vault was locked", async () => {
    await listed(50_000, 13, [account("a", "111111", 10)]);
    const answer = tickedAndWaiting(50_010);
    vi.mocked(api.lock).mockResolvedValueOnce(undefined);
    await state.lockNow();
    answer({ now: 50_010, revision: 13, codes: [["a", "222222", "333333", 30]] });
    await vi.runAllTimersAsync();
    expect(state.codes.value).toBeNull();
    expect(api.listAccounts).not.toHaveBeenCalled();
  });
});
