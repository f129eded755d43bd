// The account list: codes with countdown and next code, copy on click, HOTP next, search,
// groups, favourites, edit and delete.
import { memo } from "preact/compat";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type AccountView, type EditFields } from "../api";
import { ErrorText, Icon, Logo, Modal } from "../components";
import { formatCode } from "../logic/codes";
import { errorText } from "../logic/report";
import { filterAccounts, groups, title, type Filter } from "../logic/search";
import { describeSeconds } from "../logic/settings";
import { record, settle } from "../perf";
import {
  codes,
  countdown,
  lockNow,
  refresh,
  screen,
  searchIndex,
  settings,
  showToast,
} from "../state";

/** A stable colour per issuer, for the letter avatar. */
function hue(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}

function Countdown({ period, secondsLeft, code }: { period: number; secondsLeft: number; code: string }) {
  const { left, urgent } = countdown(period, secondsLeft);
  const style = `--period:${period}s;--delay:${secondsLeft - period}s`;
  return (
    <span class="countdown" data-urgent={urgent} aria-hidden="true">
      {/* Keyed by the code, so the ring's animation starts again with every new code. */}
      <svg class="ring" viewBox="0 0 36 36" key={code} style={style}>
        <circle class="ring-track" cx="18" cy="18" r="15" />
        <circle class="ring-fill" cx="18" cy="18" r="15" pathLength="100" />
      </svg>
      <span class="seconds">{left}</span>
    </span>
  );
}

const AccountRow = memo(function AccountRow(props: {
  account: AccountView;
  showNext: boolean;
  onEdit: (account: AccountView) => void;
}) {
  const { account, showNext } = props;
  const { primary, secondary } = title(account);
  const label = secondary ? `${primary} (${secondary})` : primary;
  const [busy, setBusy] = useState(false);

  async function copy() {
    try {
      await api.copyCode(account.id, settings.value.clipboardClearSeconds);
      const clears = settings.value.clipboardClearSeconds;
      showToast(
        clears > 0
          ? `Copied the code for ${primary}. The clipboard clears in ${describeSeconds(clears)}.`
          : `Copied the code for ${primary}.`,
      );
    } catch (err) {
      showToast(errorText(err));
    }
  }

  async function next() {
    setBusy(true);
    try {
      await api.nextCode(account.id);
      await refresh();
    } catch (err) {
      showToast(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function favourite() {
    try {
      await api.setFavourite(account.id, !account.favourite);
      await refresh();
    } catch (err) {
      showToast(errorText(err));
    }
  }

  const spoken = account.code.split("").join(" ");
  return (
    <li class="account" data-id={account.id} data-kind={account.kind}>
      <span class="avatar" aria-hidden="true" style={`--hue:${hue(primary)}`}>
        {[...primary][0]?.toUpperCase() ?? "?"}
      </span>
      <div class="account-text">
        <span class="issuer">{primary}</span>
        {secondary && <span class="name">{secondary}</span>}
        {account.group && <span class="group-tag">{account.group}</span>}
      </div>
      <div class="account-actions">
        <button
          type="button"
          class="icon-button star"
          aria-pressed={account.favourite}
          aria-label={`Favourite: ${label}`}
          onClick={favourite}
        >
          <Icon name="star" filled={account.favourite} />
        </button>
        <button
          type="button"
          class="icon-button"
          aria-label={`Edit ${label}`}
          onClick={() => props.onEdit(account)}
        >
          <Icon name="more" />
        </button>
      </div>
      <button
        type="button"
        class="code"
        onClick={copy}
        aria-label={`Copy the code for ${label}: ${spoken}`}
      >
        {formatCode(account.code)}
      </button>
      <div class="code-side">
        {account.period !== null && account.seconds_left !== null ? (
          <Countdown period={account.period} secondsLeft={account.seconds_left} code={account.code} />
        ) : (
          <button
            type="button"
            class="icon-button next-button"
            onClick={next}
            disabled={busy}
            aria-label={`Next code for ${label}`}
            title="Next code"
          >
            <Icon name="next" />
          </button>
        )}
      </div>
      {showNext && (
        <span class="next-code" aria-label={`Next code: ${account.next_code.split("").join(" ")}`}>
          {account.kind === "hotp" ? `counter ${account.counter ?? 0} · next ` : "next "}
          <span class="mono">{formatCode(account.next_code)}</span>
        </span>
      )}
    </li>
  );
});

function EditDialog(props: {
  account: AccountView | null;
  groupNames: string[];
  onClose: () => void;
  onDelete: (account: AccountView) => void;
}) {
  const { account } = props;
  const [fields, setFields] = useState<EditFields>({
    issuer: "",
    name: "",
    group: "",
    note: "",
    favourite: false,
  });
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (account) {
      setFields({
        issuer: account.issuer ?? "",
        name: account.name,
        group: account.group ?? "",
        note: account.note ?? "",
        favourite: account.favourite,
      });
      setError(null);
    }
  }, [account]);

  async function save(e: Event) {
    e.preventDefault();
    if (!account) return;
    try {
      await api.editAccount(account.id, fields);
      await refresh();
      props.onClose();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const text = (key: "issuer" | "name" | "group" | "note", label: string, extra = {}) => (
    <div class="field">
      <label for={`edit-${key}`}>{label}</label>
      <input
        id={`edit-${key}`}
        value={fields[key]}
        onInput={(e) => setFields({ ...fields, [key]: e.currentTarget.value })}
        {...extra}
      />
    </div>
  );

  return (
    <Modal open={account !== null} title="Edit account" onClose={props.onClose} id="edit-dialog">
      <form onSubmit={save} class="stack">
        {text("issuer", "Issuer")}
        {text("name", "Account name", { required: true })}
        {text("group", "Group", { list: "group-names", placeholder: "None" })}
        <datalist id="group-names">
          {props.groupNames.map((g) => (
            <option value={g} key={g} />
          ))}
        </datalist>
        {text("note", "Note")}
        <label class="check">
          <input
            type="checkbox"
            checked={fields.favourite}
            onChange={(e) => setFields({ ...fields, favourite: e.currentTarget.checked })}
          />
          Favourite (shown first)
        </label>
        <ErrorText text={error} />
        <div class="dialog-buttons">
          <button
            type="button"
            class="danger-text"
            onClick={() => account && props.onDelete(account)}
            id="delete-account"
          >
            Delete…
          </button>
          <span class="spacer" />
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" id="save-account">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

function DeleteDialog(props: { account: AccountView | null; onClose: () => void }) {
  const { account } = props;
  const [error, setError] = useState<string | null>(null);
  const label = account ? (account.issuer ? `${account.issuer} (${account.name})` : account.name) : "";

  async function remove() {
    if (!account) return;
    try {
      const removed = await api.removeAccount(account.id);
      await refresh();
      props.onClose();
      showToast(`Deleted ${removed}.`);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <Modal open={account !== null} title="Delete this account?" onClose={props.onClose} id="delete-dialog">
      <p>
        <strong>{label}</strong> will be removed from this device. Before you delete it, make
        sure you can sign in another way, or turn two-factor sign-in off for it.
      </p>
      <ErrorText text={error} />
      <div class="dialog-buttons">
        <span class="spacer" />
        <button type="button" onClick={props.onClose} autoFocus>
          Cancel
        </button>
        <button type="button" class="danger" onClick={remove} id="confirm-delete">
          Delete
        </button>
      </div>
    </Modal>
  );
}

/** Rows rendered at first and added per scroll: a refresh or keystroke then costs what the
 * screen shows, not what the vault holds. */
const PAGE = 60;

/** An empty row at the end of the list that asks for more rows when it scrolls into view. */
function MoreRows({ onVisible }: { onVisible: () => void }) {
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onVisible();
    }, { rootMargin: "400px" });
    observer.observe(element);
    return () => observer.disconnect();
  }, [onVisible]);
  return <li ref={ref} class="more-rows" aria-hidden="true" />;
}

export function Accounts() {
  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState<Filter>({ type: "all" });
  const [editing, setEditing] = useState<AccountView | null>(null);
  const [deleting, setDeleting] = useState<AccountView | null>(null);
  const [limit, setLimit] = useState(PAGE);
  const search = useRef<HTMLInputElement>(null);
  const typedAt = useRef(0);
  const all = codes.value?.accounts ?? [];
  const showNext = settings.value.showNextCode;

  const groupList = useMemo(() => groups(all), [all]);
  const favourites = useMemo(() => all.filter((a) => a.favourite).length, [all]);
  const shown = useMemo(
    () => filterAccounts(all, query, filter, searchIndex.value),
    [all, query, filter],
  );
  useEffect(() => setLimit(PAGE), [query, filter]);
  const more = useMemo(() => () => setLimit((n) => n + PAGE * 2), []);
  // How long a keystroke takes to show its result (for the benchmark).
  useLayoutEffect(() => {
    if (typedAt.current) {
      settle();
      record("search", performance.now() - typedAt.current);
      typedAt.current = 0;
    }
  }, [query]);
  // A group that no longer exists (renamed, emptied): back to all.
  useEffect(() => {
    if (filter.type === "group" && !groupList.some((g) => g.name === filter.name)) {
      setFilter({ type: "all" });
    }
  }, [groupList]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === "/" && !typing && !document.querySelector("dialog[open]")) {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const chip = (f: Filter, label: string, count: number) => {
    const active =
      f.type === filter.type && (f.type !== "group" || (filter.type === "group" && filter.name === f.name));
    return (
      <li key={label}>
        <button
          type="button"
          class="chip"
          aria-pressed={active}
          data-filter={label}
          onClick={() => setFilter(f)}
        >
          {f.type === "favourites" && <Icon name="star" filled />}
          <span>{label}</span>
          <span class="count">{count}</span>
        </button>
      </li>
    );
  };

  return (
    <div class="accounts-screen" id="accounts-screen">
      <header class="bar main-bar">
        <span class="brand">
          <Logo size={28} />
          <span>Twofold</span>
        </span>
        <span class="spacer" />
        <button type="button" class="primary small" onClick={() => (screen.value = "add")} id="add-button">
          <Icon name="plus" /> <span>Add</span>
        </button>
        <button
          type="button"
          class="icon-button"
          onClick={() => (screen.value = "settings")}
          aria-label="Settings, import and export"
          id="settings-button"
        >
          <Icon name="gear" />
        </button>
        <button type="button" class="icon-button" onClick={() => void lockNow()} aria-label="Lock now" id="lock-button">
          <Icon name="lock" />
        </button>
      </header>
      <div class="accounts-layout">
        <nav class="filters" aria-label="Groups">
          <ul>
            {chip({ type: "all" }, "All", all.length)}
            {favourites > 0 && chip({ type: "favourites" }, "Favourites", favourites)}
            {groupList.map((g) => chip({ type: "group", name: g.name }, g.name, g.count))}
          </ul>
        </nav>
        <main class="accounts-main">
          <div class="search" role="search">
            <Icon name="search" />
            <input
              ref={search}
              type="search"
              id="search"
              placeholder="Search accounts"
              aria-label="Search accounts (press / to search)"
              value={query}
              onInput={(e) => {
                typedAt.current = performance.now();
                setQuery(e.currentTarget.value);
              }}
              onKeyDown={(e) => e.key === "Escape" && setQuery("")}
            />
          </div>
          {all.length === 0 ? (
            <section class="empty">
              <h2>No accounts yet</h2>
              <p>Add one from a QR code or a setup link, or import them from another app.</p>
              <div class="empty-actions">
                <button type="button" class="primary" onClick={() => (screen.value = "add")}>
                  <Icon name="plus" /> Add account
                </button>
                <button type="button" onClick={() => (screen.value = "import")}>
                  <Icon name="upload" /> Import
                </button>
              </div>
            </section>
          ) : shown.length === 0 ? (
            <p class="empty" role="status">
              No account matches “{query}”.
            </p>
          ) : (
            <ul class="account-list" aria-label="Accounts" data-count={shown.length}>
              {shown.slice(0, limit).map((account) => (
                <AccountRow key={account.id} account={account} showNext={showNext} onEdit={setEditing} />
              ))}
              {shown.length > limit && <MoreRows onVisible={more} />}
            </ul>
          )}
        </main>
      </div>
      <EditDialog
        account={editing}
        groupNames={groupList.map((g) => g.name)}
        onClose={() => setEditing(null)}
        onDelete={(account) => {
          setEditing(null);
          setDeleting(account);
        }}
      />
      <DeleteDialog account={deleting} onClose={() => setDeleting(null)} />
    </div>
  );
}
