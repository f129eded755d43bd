// The build-time icon set (build/iconSet.ts).
declare module "virtual:icon-index" {
  /** [slug, title, hex colour, other names] of every bundled icon. */
  const index: [string, string, string, string[]][];
  export default index;
}
declare module "virtual:icon-loader" {
  export const SHARDS: number;
  /** One lazy import per shard: `{ slug: svg path }` of the icons whose slug hashes there. */
  export const shards: (() => Promise<{ default: Record<string, string> }>)[];
}
