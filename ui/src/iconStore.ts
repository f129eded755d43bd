// The icons the list shows, loaded as they are needed: the bundled set's index (for matching
// issuers; one chunk), the path shards that hold the icons on screen, and the image icons of
// the vault (one command per account, cached by the image's fingerprint).
import { signal } from "@preact/signals";
import { api, type AccountView } from "./api";
import { buildLookup, matchIcon, type IconIndexEntry, type IconLookup } from "./logic/icons";
import { shardOf } from "./logic/iconShard";

export interface IconSet {
  index: readonly IconIndexEntry[];
  lookup: IconLookup;
  bySlug: Map<string, IconIndexEntry>;
}

/** The set's index once loaded (null before: rows show the letter avatar meanwhile). */
export const iconSet = signal<IconSet | null>(null);
/** Loaded path shards; a new Map when one arrives, so the rows that wait for it render. */
const shards = signal<ReadonlyMap<number, Record<string, string>>>(new Map());
const loading = new Set<number>();
/** Image icons by account id: the fingerprint they were fetched for and the data: URI. */
const images = signal<ReadonlyMap<string, { hash: string; uri: string | null }>>(new Map());
const fetching = new Set<string>();

let indexLoad: Promise<IconSet> | null = null;

export function loadIconSet(): Promise<IconSet> {
  indexLoad ??= import("virtual:icon-index").then(({ default: index }) => {
    const set: IconSet = {
      index,
      lookup: buildLookup(index),
      bySlug: new Map(index.map((entry) => [entry[0], entry])),
    };
    iconSet.value = set;
    return set;
  });
  return indexLoad;
}

/** An icon's SVG path, or null until its shard is loaded (asked for here). */
export function pathOf(slug: string): string | null {
  const shard = shardOf(slug);
  const loaded = shards.value.get(shard);
  if (loaded) return loaded[slug] ?? null;
  if (!loading.has(shard)) {
    loading.add(shard);
    void import("virtual:icon-loader").then(async ({ shards: loaders }) => {
      const load = loaders[shard];
      if (!load) return;
      const { default: part } = await load();
      const next = new Map(shards.peek());
      next.set(shard, part);
      shards.value = next;
    });
  }
  return null;
}

/** The image icon of an account, or null until fetched (asked for here). */
export function imageOf(id: string, hash: string): string | null {
  const cached = images.value.get(id);
  if (cached?.hash === hash) return cached.uri;
  const key = `${id}:${hash}`;
  if (!fetching.has(key)) {
    fetching.add(key);
    api.accountIcon(id).then(
      (uri) => {
        const next = new Map(images.peek());
        next.set(id, { hash, uri });
        images.value = next;
        fetching.delete(key);
      },
      () => fetching.delete(key),
    );
  }
  return null;
}

/** Forgets the fetched images (at lock: they are the vault's content). */
export function forgetImages(): void {
  images.value = new Map();
}

/** What an account shows: its image, an icon of the set (chosen or matched), or nothing. */
export type ShownIcon =
  | { type: "image"; uri: string }
  | { type: "set"; slug: string; title: string; hex: string; path: string }
  | null;

export function shownIcon(account: Pick<AccountView, "id" | "issuer" | "name" | "icon">): ShownIcon {
  const icon = account.icon ?? null;
  if (icon?.type === "image") {
    const uri = imageOf(account.id, icon.hash);
    return uri ? { type: "image", uri } : null;
  }
  const set = iconSet.value;
  if (!set) return null;
  const slug = icon?.type === "set" ? icon.slug : matchIcon(account.issuer, account.name, set.lookup);
  if (!slug) return null;
  const entry = set.bySlug.get(slug);
  const path = entry ? pathOf(slug) : null;
  return entry && path ? { type: "set", slug, title: entry[1], hex: entry[2], path } : null;
}
