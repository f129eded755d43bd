// The accounts screen: search, groups and favourites around the (windowed) list of codes;
// edit and delete. The rows are in AccountRow.tsx, the list in AccountList.tsx.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type AccountView, type EditFields } from "../api";
import { ErrorText, Icon, Logo, Modal } from "../components";
import { loadIconSet } from "../iconStore";
import { errorText } from "../logic/report";
import { filterAccounts, groups, type Filter } from "../logic/search";
import { SORT_MODES, dropTarget, moveTarget, sortAccounts, type SortMode } from "../logic/sort";
import { record, settle } from "../perf";
import {
  display,
  frames,
  lockNow,
  refresh,
  screen,
  searchIndex,
  settings,
  showToast,
  updateDisplay,
} from "../state";
import { AccountList } from "./AccountList";
import { IconPicker } from "./IconPicker";

/** The permission to notify is asked once per run of the app. */
let notificationsAsked = false;

function EditDialog(props: {
  account: AccountView | null;
  groupNames: string[];
  onClose: () => void;
  onDelete: (account: AccountView) => void;
  onIcon: (account: AccountView) => void;
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
        <div class="field row">
          <span>Icon</span>
          <button type="button" id="edit-icon" onClick={() => account && props.onIcon(account)}>
            Change icon…
          </button>
        </div>
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

export function Accounts() {
  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState<Filter>({ type: "all" });
  const [editing, setEditing] = useState<AccountView | null>(null);
  const [deleting, setDeleting] = useState<AccountView | null>(null);
  const [picking, setPicking] = useState<AccountView | null>(null);
  const sortMode = display.value.sortMode;
  useEffect(() => void loadIconSet(), []);
  const search = useRef<HTMLInputElement>(null);
  const typedAt = useRef(0);
  // Frames, not codes: a refresh that only brings new codes does not render this screen.
  const all = frames.value;
  // A Twofold account can bring a sign-in request at any time: ask for the permission to
  // notify now (Android 13+ and iOS prompt once), before the first request arrives.
  const hasPush = all.some((a) => a.push !== null);
  useEffect(() => {
    if (hasPush && !notificationsAsked) {
      notificationsAsked = true;
      api.ensureNotificationPermission().catch(() => undefined);
    }
  }, [hasPush]);
  const showNext = settings.value.showNextCode;

  const groupList = useMemo(() => groups(all), [all]);
  const favourites = useMemo(() => all.filter((a) => a.favourite).length, [all]);
  const shown = useMemo(
    // The search index only when there is something to search for (a refresh need not build it).
    () => {
      const found = filterAccounts(all, query, filter, query.trim() ? searchIndex.value : undefined);
      // The shell's order is "issuer" already (favourites first): no second sort for it.
      return sortMode === "issuer" ? found : sortAccounts(found, sortMode);
    },
    [all, query, filter, sortMode],
  );
  const shownRef = useRef(shown);
  shownRef.current = shown;

  /** Custom order: the account at `index` of the shown list moves past its neighbour. */
  const onMove = useMemo(
    () => async (index: number, delta: -1 | 1) => {
      const list = shownRef.current;
      const account = list[index];
      const to = moveTarget(list, index, delta);
      if (!account || to === null) return;
      try {
        await api.moveAccount(account.id, to);
        await refresh();
      } catch (err) {
        showToast(errorText(err));
      }
    },
    [],
  );
  const onDrop = useMemo(
    () => (draggedId: string, target: AccountView) => {
      const dragged = shownRef.current.find((a) => a.id === draggedId);
      const to = dragged ? dropTarget(dragged, target) : null;
      if (!dragged || to === null) return;
      api.moveAccount(dragged.id, to).then(refresh, (err) => showToast(errorText(err)));
    },
    [],
  );
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
            <label class="sort">
              <span class="sr-only">Sort by</span>
              <select
                id="sort-mode"
                aria-label="Sort accounts by"
                value={sortMode}
                onChange={(e) => {
                  const mode = e.currentTarget.value as SortMode;
                  updateDisplay({ sortMode: mode });
                  // Copies made in another order moved use counts this list has not fetched.
                  if (mode === "used") void refresh();
                }}
              >
                {SORT_MODES.map((m) => (
                  <option value={m.mode} key={m.mode}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
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
            <AccountList
              accounts={shown}
              showNext={showNext}
              onEdit={setEditing}
              onRemove={setDeleting}
              movable={sortMode === "custom"}
              onMove={onMove}
              onDrop={onDrop}
              resetKey={`${query}\u0000${filter.type}\u0000${filter.type === "group" ? filter.name : ""}`}
            />
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
        onIcon={(account) => {
          setEditing(null);
          setPicking(account);
        }}
      />
      <IconPicker account={picking} onClose={() => setPicking(null)} />
      <DeleteDialog account={deleting} onClose={() => setDeleting(null)} />
    </div>
  );
}
