// The orders the account list offers. Favourites come first in every order but the custom
// one, where the user's own order is the whole point.
import type { AccountView } from "../api";

export type SortMode = "issuer" | "name" | "used" | "custom";

export const SORT_MODES: readonly { mode: SortMode; label: string }[] = [
  { mode: "issuer", label: "Issuer" },
  { mode: "name", label: "Account name" },
  { mode: "used", label: "Most used" },
  { mode: "custom", label: "Custom order" },
];

type Sortable = Pick<AccountView, "issuer" | "name" | "favourite" | "last_used"> &
  Partial<Pick<AccountView, "use_count" | "position">>;

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

function byText(a: string, b: string): number {
  return collator.compare(a, b);
}

function issuerOf(a: Sortable): string {
  return a.issuer ?? a.name;
}

/** The comparison of one order (favourites aside). */
function compare(mode: SortMode, a: Sortable, b: Sortable): number {
  switch (mode) {
    case "issuer":
      return byText(issuerOf(a), issuerOf(b)) || byText(a.name, b.name);
    case "name":
      return byText(a.name, b.name) || byText(issuerOf(a), issuerOf(b));
    case "used":
      return (
        (b.use_count ?? 0) - (a.use_count ?? 0) ||
        (b.last_used ?? 0) - (a.last_used ?? 0) ||
        byText(issuerOf(a), issuerOf(b))
      );
    case "custom":
      return (a.position ?? 0) - (b.position ?? 0);
  }
}

/** A sorted copy. */
export function sortAccounts<T extends Sortable>(accounts: readonly T[], mode: SortMode): T[] {
  return [...accounts].sort(
    (a, b) =>
      (mode === "custom" ? 0 : Number(b.favourite) - Number(a.favourite)) || compare(mode, a, b),
  );
}

/**
 * Custom order: the vault place an account moves to so it lands just past its neighbour in
 * the shown list (`delta` -1: above the one above it; +1: below the one below). The engine
 * takes the account out and puts it in at that place. null at either end.
 */
export function moveTarget(
  shown: readonly Pick<AccountView, "id" | "position">[],
  index: number,
  delta: -1 | 1,
): number | null {
  const neighbour = shown[index + delta];
  return neighbour?.position ?? null;
}

/** Where a dragged account goes when dropped on the row `target`: that row's place. */
export function dropTarget(
  dragged: Pick<AccountView, "id" | "position">,
  target: Pick<AccountView, "id" | "position">,
): number | null {
  if (dragged.id === target.id || target.position === undefined) return null;
  return target.position;
}
