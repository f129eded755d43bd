// The icon picker: search the bundled set (simple-icons), pick one, use an image of one's own
// (PNG, JPEG or SVG up to 64 KiB; the shell checks and sanitises it), or go back to the icon
// matched by issuer. Every choice is a labelled button, reachable with Tab; Enter picks.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type AccountView, type IconChoice } from "../api";
import { ErrorText, Modal } from "../components";
import { iconSet, loadIconSet, pathOf } from "../iconStore";
import { contrastOn, searchIcons, type IconIndexEntry } from "../logic/icons";
import { errorText, toBase64 } from "../logic/report";
import { refresh, showToast } from "../state";

/** The largest image the vault takes (the engine's MAX_ICON_BYTES). */
export const MAX_ICON_BYTES = 64 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/svg+xml"];

/** One icon of the set, drawn in its brand colour (the shard loads when first shown). */
export function SetGlyph({ slug, hex }: { slug: string; hex: string }) {
  const path = pathOf(slug);
  return (
    <span class="avatar avatar-icon" aria-hidden="true" style={`--brand:#${hex};--glyph:${contrastOn(hex)}`}>
      {path && (
        <svg viewBox="0 0 24 24">
          <path d={path} />
        </svg>
      )}
    </span>
  );
}

export function IconPicker(props: { account: AccountView | null; onClose: () => void }) {
  const { account } = props;
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const set = iconSet.value;
  useEffect(() => {
    void loadIconSet();
    setQuery(account?.issuer ?? "");
    setError(null);
  }, [account]);
  const found: IconIndexEntry[] = useMemo(() => (set ? searchIcons(set.index, query, 48) : []), [set, query]);
  const current = account?.icon?.type === "set" ? account.icon.slug : null;

  async function choose(choice: IconChoice, said: string) {
    if (!account) return;
    try {
      await api.setIcon(account.id, choice);
      await refresh();
      showToast(said);
      props.onClose();
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function ownImage(file: File | undefined) {
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) {
      setError(`${file.name} is not a PNG, JPEG or SVG image.`);
      return;
    }
    if (file.size > MAX_ICON_BYTES) {
      setError(
        `${file.name} is ${Math.ceil(file.size / 1024)} KiB; an icon may be at most 64 KiB. Make it smaller (a 128×128 PNG is a few KiB).`,
      );
      return;
    }
    const data = toBase64(new Uint8Array(await file.arrayBuffer()));
    await choose({ type: "image", mime: file.type, data }, `The icon is now ${file.name}.`);
  }

  return (
    <Modal open={account !== null} title="Choose an icon" onClose={props.onClose} id="icon-picker">
      <div class="stack">
        <div class="field">
          <label for="icon-search">Search icons</label>
          <input
            id="icon-search"
            type="search"
            value={query}
            placeholder="Brand or service"
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        <ul class="icon-grid" aria-label="Icons" data-count={found.length}>
          {found.map(([slug, title, hex]) => (
            <li key={slug}>
              <button
                type="button"
                class="icon-choice"
                data-slug={slug}
                aria-pressed={slug === current}
                aria-label={`Use the ${title} icon`}
                title={title}
                onClick={() => void choose({ type: "set", slug }, `The icon is now ${title}.`)}
              >
                <SetGlyph slug={slug} hex={hex} />
                <span class="icon-title">{title}</span>
              </button>
            </li>
          ))}
        </ul>
        {set && found.length === 0 && <p role="status">No icon matches “{query}”.</p>}
        <div class="field">
          <label for="icon-file">Or use your own image (PNG, JPEG or SVG, at most 64 KiB)</label>
          <input
            id="icon-file"
            type="file"
            accept={IMAGE_TYPES.join(",")}
            onChange={(e) => void ownImage(e.currentTarget.files?.[0])}
          />
        </div>
        <ErrorText text={error} id="icon-error" />
        <div class="dialog-buttons">
          <button
            type="button"
            id="icon-auto"
            onClick={() => void choose({ type: "none" }, "The icon is matched by issuer again.")}
          >
            Match by issuer
          </button>
          <span class="spacer" />
          <button type="button" onClick={props.onClose} id="icon-cancel">
            Cancel
          </button>
        </div>
      </div>
    </Modal>
  );
}
