// Matching an account's issuer to an icon of the bundled set (simple-icons), and the picker's
// search. Matching is case-, space-, punctuation- and domain-insensitive: "Google",
// "google.com", "accounts.google.com" and "GOOGLE " are one issuer. The alias table holds the
// spellings people and exporters use that are not an icon's title; a `null` target names a
// brand whose owner had its icon removed from simple-icons (Microsoft, AWS, Slack, LinkedIn...),
// so such accounts keep the letter avatar instead of a wrong first-word match.

/** One icon of the set: [slug, title, hex colour, other names]. */
export type IconIndexEntry = readonly [string, string, string, readonly string[]];

/** Labels that end a host name without naming the brand (the public suffix's usual parts). */
const SUFFIX_LABELS = new Set(["com", "co", "net", "org", "gov", "edu", "ac", "ne", "or", "go"]);

/** The brand part of a host name: "accounts.google.com" -> "google", "bbc.co.uk" -> "bbc". */
function brandOfHost(host: string): string {
  const labels = host.split(".").filter(Boolean);
  if (labels.length < 2) return host;
  labels.pop(); // the top-level domain
  while (labels.length > 1 && SUFFIX_LABELS.has(labels[labels.length - 1] as string)) labels.pop();
  return labels[labels.length - 1] ?? host;
}

/** The form issuers and names are compared in: lowercase letters and digits only. */
export function normalise(text: string): string {
  let t = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase();
  t = t.replace(/^https?:\/\//, "").replace(/\/.*$/, "").replace(/^www\./, "");
  // A host name (no spaces, a dot before letters): its brand label.
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(t) && /\.[a-z]{2,}$/.test(t)) t = brandOfHost(t);
  return t.replace(/&/g, "and").replace(/[^a-z0-9]/g, "");
}

/** Spellings (normalised) -> slug of the set, or null: known brand, not in the set. */
export const ALIASES: Readonly<Record<string, string | null>> = {
  google: "google",
  googleaccount: "google",
  googleworkspace: "google",
  gsuite: "google",
  gmail: "gmail",
  youtube: "youtube",
  microsoft: null,
  microsoftaccount: null,
  outlook: null,
  hotmail: null,
  live: null,
  office365: null,
  microsoft365: null,
  azure: null,
  microsoftazure: null,
  azuread: null,
  entraid: null,
  github: "github",
  githubenterprise: "github",
  gitlab: "gitlab",
  aws: null,
  amazonwebservices: null,
  amazon: null,
  facebook: "facebook",
  meta: "meta",
  instagram: "instagram",
  whatsapp: "whatsapp",
  apple: "apple",
  appleid: "apple",
  icloud: "icloud",
  dropbox: "dropbox",
  discord: "discord",
  discordapp: "discord",
  slack: null,
  twitter: "x",
  x: "x",
  linkedin: null,
  proton: "proton",
  protonmail: "proton",
  protonme: "proton",
  steam: "steam",
  valve: "steam",
  battlenet: "battledotnet",
  blizzard: "battledotnet",
  paypal: "paypal",
  bitbucket: "bitbucket",
  npm: "npm",
  npmjs: "npm",
  pypi: "pypi",
  docker: "docker",
  dockerhub: "docker",
  cloudflare: "cloudflare",
  digitalocean: "digitalocean",
  okta: "okta",
  bitwarden: "bitwarden",
  "1password": "1password",
  coinbase: "coinbase",
  binance: "binance",
  reddit: "reddit",
  twitch: "twitch",
  epicgames: "epicgames",
  epic: "epicgames",
  ubisoft: "ubisoft",
  playstation: "playstation",
  psn: "playstation",
  yahoo: null,
  adobe: null,
  salesforce: null,
  heroku: null,
  nintendo: null,
};

/** Normalised names -> slug, built once from the set (titles, slugs, other names). */
export type IconLookup = Map<string, string>;

export function buildLookup(index: readonly IconIndexEntry[]): IconLookup {
  const lookup: IconLookup = new Map();
  // Titles and slugs first, so an "also known as" never shadows another icon's own name.
  for (const [slug, title] of index) {
    for (const key of [normalise(title), slug]) if (key && !lookup.has(key)) lookup.set(key, slug);
  }
  for (const [slug, , , aka] of index) {
    for (const name of aka) {
      const key = normalise(name);
      if (key && !lookup.has(key)) lookup.set(key, slug);
    }
  }
  return lookup;
}

/**
 * The slug for an issuer (or, without one, the account name's domain: "alice@github.com"),
 * or null. The alias table first, then the set's names, then the first word of a longer
 * issuer ("Apple ID", "GitHub Enterprise"), when that word is long enough to mean a brand.
 */
export function matchIcon(issuer: string | null, name: string, lookup: IconLookup): string | null {
  const candidates: string[] = [];
  if (issuer) candidates.push(issuer);
  const domain = /@([^@\s]+\.[a-z]{2,})$/i.exec(name)?.[1];
  if (domain) candidates.push(domain);
  for (const text of candidates) {
    const key = normalise(text);
    if (!key) continue;
    if (key in ALIASES) return ALIASES[key] ?? null;
    const found = lookup.get(key);
    if (found) return found;
    const first = normalise(text.trim().split(/[\s:|/(-]+/)[0] ?? "");
    if (first.length >= 4 && first !== key) {
      if (first in ALIASES) return ALIASES[first] ?? null;
      const byWord = lookup.get(first);
      if (byWord) return byWord;
    }
  }
  return null;
}

/** The picker's search: icons whose title, slug or other names match the query; the exact
 * match first, then names starting with it (shorter titles first), then names containing it. */
export function searchIcons(
  index: readonly IconIndexEntry[],
  query: string,
  limit = 60,
): IconIndexEntry[] {
  const q = normalise(query);
  if (!q) return index.slice(0, limit);
  const scored: { entry: IconIndexEntry; score: number }[] = [];
  for (const entry of index) {
    const [slug, title, , aka] = entry;
    const names = [normalise(title), slug, ...aka.map(normalise)];
    const score = names.includes(q) ? 0 : names.some((n) => n.startsWith(q)) ? 1 : names.some((n) => n.includes(q)) ? 2 : -1;
    if (score >= 0) scored.push({ entry, score });
  }
  scored.sort((a, b) => a.score - b.score || a.entry[1].length - b.entry[1].length);
  return scored.slice(0, limit).map((s) => s.entry);
}

/** Black or white, whichever reads better on the icon's brand colour (WCAG relative luminance). */
export function contrastOn(hex: string): "#000" | "#fff" {
  const n = Number.parseInt(hex, 16);
  if (Number.isNaN(n)) return "#fff";
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  return l > 0.179 ? "#000" : "#fff";
}
