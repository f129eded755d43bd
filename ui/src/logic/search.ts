// Searching, filtering and grouping the account list. Pure functions over AccountView, so the
// list can be filtered on every keystroke without asking the shell.
import type { AccountView } from "../api";

/** Which accounts the list shows: all, favourites, or one group. */
export type Filter = { type: "all" } | { type: "favourites" } | { type: "group"; name: string };

/** Lower case, accents removed: "Café" matches "cafe". */
export function fold(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** The fields a search looks in, joined (a cache of searchText can key on it). */
export function searchFields(account: AccountView): string {
  return [account.issuer ?? "", account.name, account.group ?? "", account.note ?? ""].join("\u0000");
}

/** The text a search looks in, computed once per account. */
export function searchText(account: AccountView): string {
  return fold(searchFields(account));
}

/** Every word of the query must occur somewhere (issuer, name, group or note). */
export function matches(haystack: string, query: string): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return words.every((word) => haystack.includes(word));
}

export function filterAccounts(
  accounts: readonly AccountView[],
  query: string,
  filter: Filter,
  index?: ReadonlyMap<string, string>,
): AccountView[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return accounts.filter((account) => {
    if (filter.type === "favourites" && !account.favourite) return false;
    if (filter.type === "group" && account.group !== filter.name) return false;
    if (words.length === 0) return true;
    const haystack = index?.get(account.id) ?? searchText(account);
    return words.every((word) => haystack.includes(word));
  });
}

/** The groups in use, sorted, with how many accounts each holds. */
export function groups(accounts: readonly AccountView[]): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const account of accounts) {
    if (account.group) counts.set(account.group, (counts.get(account.group) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** "ACME" or "ACME (alice)" style title parts. */
export function title(account: AccountView): { primary: string; secondary: string | null } {
  if (account.issuer) return { primary: account.issuer, secondary: account.name };
  return { primary: account.name, secondary: null };
}
