// Which shard of the bundled icon set holds an icon's path (build/iconSet.ts makes the shards;
// the app loads the one it needs). A small string hash, the same at build time and run time.
export const SHARDS = 32;

export function shardOf(slug: string): number {
  let h = 0;
  for (let i = 0; i < slug.length; i++) h = (h * 31 + slug.charCodeAt(i)) >>> 0;
  return h % SHARDS;
}
