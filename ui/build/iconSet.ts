// The bundled icon set, made at build time from the `simple-icons` package (CC0; a pinned
// devDependency, nothing is fetched at run time). simple-icons' module holds every icon twice
// (its path and a whole SVG) with metadata the app does not use: 5 MB. Instead this plugin
// serves small virtual modules:
//   virtual:icon-index       [slug, title, hex, aliases[]] for every icon (for matching and
//                            the picker's search), loaded with the account list;
//   virtual:icon-shard-<n>   { slug: path } for the icons whose slug hashes to n;
//   virtual:icon-loader      one lazy import per shard.
// Vite makes each shard its own chunk, so a list of accounts loads the few shards its icons
// are in, not 4.6 MB of paths.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Plugin } from "vite";
import { SHARDS, shardOf } from "../src/logic/iconShard";

interface IconData {
  title: string;
  slug: string;
  hex: string;
  aliases?: { aka?: string[] };
}

function load(): { data: IconData[]; paths: Map<string, string> } {
  const require = createRequire(import.meta.url);
  const data = JSON.parse(
    readFileSync(require.resolve("simple-icons/icons.json"), "utf8"),
  ) as IconData[];
  const paths = new Map<string, string>();
  for (const icon of data) {
    const svg = readFileSync(require.resolve(`simple-icons/icons/${icon.slug}.svg`), "utf8");
    const d = /<path d="([^"]+)"/.exec(svg)?.[1];
    if (d) paths.set(icon.slug, d);
  }
  return { data, paths };
}

export function iconSet(): Plugin {
  let cached: ReturnType<typeof load> | null = null;
  const set = () => (cached ??= load());
  return {
    name: "twofold-icon-set",
    resolveId(id) {
      return id.startsWith("virtual:icon-") ? `\0${id}` : null;
    },
    load(id) {
      if (!id.startsWith("\0virtual:icon-")) return null;
      const name = id.slice("\0virtual:".length);
      const { data, paths } = set();
      if (name === "icon-index") {
        const index = data
          .filter((icon) => paths.has(icon.slug))
          .map((icon) => [icon.slug, icon.title, icon.hex, icon.aliases?.aka ?? []]);
        return `export default JSON.parse(${JSON.stringify(JSON.stringify(index))});`;
      }
      if (name === "icon-loader") {
        const loaders = Array.from(
          { length: SHARDS },
          (_, n) => `() => import("virtual:icon-shard-${n}")`,
        );
        return `export const SHARDS = ${SHARDS};\nexport const shards = [${loaders.join(",\n")}];`;
      }
      const shard = /^icon-shard-(\d+)$/.exec(name);
      if (shard) {
        const n = Number(shard[1]);
        const part: Record<string, string> = {};
        for (const [slug, path] of paths) if (shardOf(slug) === n) part[slug] = path;
        return `export default JSON.parse(${JSON.stringify(JSON.stringify(part))});`;
      }
      return null;
    },
  };
}
