import index from "virtual:icon-index";
import { describe, expect, it } from "vitest";
import { ALIASES, buildLookup, contrastOn, matchIcon, normalise, searchIcons } from "./icons";

// The real bundled set (build/iconSet.ts over the pinned simple-icons package).
const lookup = buildLookup(index);
const slugs = new Set(index.map(([slug]) => slug));

describe("icon matching", () => {
  it("normalises case, spaces, punctuation, accents and domains", () => {
    for (const text of ["Google", "google", " GOOGLE ", "google.com", "accounts.google.com", "https://www.google.com/x"]) {
      expect(normalise(text), text).toBe("google");
    }
    expect(normalise("bbc.co.uk")).toBe("bbc");
    expect(normalise("Amazon Web Services")).toBe("amazonwebservices");
    expect(normalise("Société Générale")).toBe("societegenerale");
    expect(normalise("AT&T")).toBe("atandt");
  });

  it("maps the common spellings through the alias table", () => {
    const cases: [string | null, string, string | null][] = [
      ["Google", "alice", "google"],
      ["google.com", "alice", "google"],
      ["Gmail", "alice", "gmail"],
      ["GitHub", "octocat", "github"],
      ["github.com", "octocat", "github"],
      ["GitHub Enterprise", "octocat", "github"],
      ["Facebook", "a", "facebook"],
      ["Meta", "a", "meta"],
      ["Apple", "a", "apple"],
      ["Apple ID", "a", "apple"],
      ["Dropbox", "a", "dropbox"],
      ["Discord", "a", "discord"],
      ["Twitter", "a", "x"],
      ["X", "a", "x"],
      ["ProtonMail", "a", "proton"],
      ["Battle.net", "a", "battledotnet"],
      [null, "alice@github.com", "github"],
      // Brands whose owners had their icons taken out of simple-icons: the letter avatar,
      // never a wrong first-word guess ("Microsoft Azure" is not "Microsoft Teams").
      ["Microsoft", "a", null],
      ["Outlook", "a", null],
      ["Azure", "a", null],
      ["Microsoft Azure", "a", null],
      ["AWS", "a", null],
      ["Amazon Web Services", "a", null],
      ["Slack", "a", null],
      ["My own VPN", "a", null],
    ];
    for (const [issuer, name, slug] of cases) {
      expect(matchIcon(issuer, name, lookup), `${issuer} / ${name}`).toBe(slug);
    }
  });

  it("falls back to the set's own titles and other names", () => {
    expect(matchIcon("GitLab", "a", lookup)).toBe("gitlab");
    expect(matchIcon("Tailscale", "a", lookup)).toBe("tailscale");
    expect(matchIcon("Nextcloud", "a", lookup)).toBe("nextcloud");
  });

  it("points every alias at an icon the set has, and none at one it lacks", () => {
    for (const [alias, slug] of Object.entries(ALIASES)) {
      if (slug !== null) expect(slugs.has(slug), `${alias} -> ${slug}`).toBe(true);
    }
    // If simple-icons brings one of these back, the table should use it.
    for (const missing of ["microsoft", "amazonwebservices", "slack", "linkedin"]) {
      expect(slugs.has(missing), missing).toBe(false);
    }
  });

  it("searches the set for the picker, prefix matches first", () => {
    const found = searchIcons(index, "git", 10).map(([slug]) => slug);
    expect(found).toContain("github");
    expect(found).toContain("gitlab");
    expect(found.every((slug) => slug.includes("git") || slugs.has(slug))).toBe(true);
    expect(searchIcons(index, "zzzzzz-no-such-brand")).toEqual([]);
    expect(searchIcons(index, "", 5)).toHaveLength(5);
  });

  it("picks a readable glyph colour for the brand colour", () => {
    expect(contrastOn("000000")).toBe("#fff");
    expect(contrastOn("FFFFFF")).toBe("#000");
    expect(contrastOn("181717")).toBe("#fff");
    expect(contrastOn("F7DF1E")).toBe("#000");
  });
});
