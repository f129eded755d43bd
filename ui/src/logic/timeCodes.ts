// The list's refresh at each time step: the shell sends only the time-based codes
// (`account_codes`, api.ts `TimeCodes`), and they go into the accounts the list already has.
// The shell's revision says whether those accounts are still current; HOTP codes are not sent
// (they change only with the counter, which moves the revision).
import type { AccountView, Codes, TimeCode, TimeCodes } from "../api";

/**
 * The list with the fetched codes in place of its own, or null when they do not belong to it:
 * another revision (something besides the codes changed), or a time-based account without
 * codes or codes for no account (which the same revision rules out; checked all the same, as
 * one more fetch costs less than a wrong code on screen). Null means: fetch the whole list.
 */
export function withTimeCodes(list: Codes, fresh: TimeCodes): Codes | null {
  if (fresh.revision !== list.revision) return null;
  const byId = new Map<string, TimeCode>();
  for (const entry of fresh.codes) byId.set(entry[0], entry);
  if (byId.size !== fresh.codes.length) return null;
  const accounts: AccountView[] = [];
  for (const account of list.accounts) {
    if (account.kind === "hotp") {
      accounts.push(account);
      continue;
    }
    const entry = byId.get(account.id);
    if (entry === undefined) return null;
    byId.delete(account.id);
    accounts.push({ ...account, code: entry[1], next_code: entry[2], seconds_left: entry[3] });
  }
  if (byId.size !== 0) return null;
  return { now: fresh.now, revision: fresh.revision, accounts };
}
