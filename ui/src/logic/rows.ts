// When an account row must render again. A refresh brings a new object for every account and
// a new code for most; the codes, the next codes and the countdown are small parts of the row
// that follow the fetched list on their own, so the rest of the row (its frame: avatar, names,
// buttons, push status) renders again only when what it shows changed.
import type { AccountView, IconView, PushView } from "../api";

function sameIcon(a: IconView | null | undefined, b: IconView | null | undefined): boolean {
  if (!a || !b) return !a === !b;
  if (a.type === "set") return b.type === "set" && a.slug === b.slug;
  return b.type === "image" && a.hash === b.hash;
}

function samePush(a: PushView | null, b: PushView | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.server_name === b.server_name &&
    a.server_url === b.server_url &&
    a.username === b.username &&
    a.state.state === b.state.state &&
    (a.state.state !== "needs_reactivation" ||
      (b.state.state === "needs_reactivation" && a.state.message === b.state.message))
  );
}

/** Whether two versions of an account show the same row frame (codes and times aside). */
export function sameFrame(a: AccountView, b: AccountView): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.kind === b.kind &&
      a.issuer === b.issuer &&
      a.name === b.name &&
      a.group === b.group &&
      a.note === b.note &&
      a.favourite === b.favourite &&
      a.period === b.period &&
      a.use_count === b.use_count &&
      a.position === b.position &&
      sameIcon(a.icon, b.icon) &&
      samePush(a.push, b.push))
  );
}

/** The unix second an account's code expires, from the fetch's `now`; null for HOTP. */
export function expiresAt(account: AccountView, now: number): number | null {
  return account.seconds_left === null ? null : now + account.seconds_left;
}
