// One account in the list: its code (copied on click), countdown or next button, favourite and
// edit. A Twofold account also shows its connection and, when the server no longer knows this
// device, how to fix that. The row's frame renders again only when what it shows changes
// (logic/rows.ts); its live parts (code, next code, countdown) follow the fetched codes.
import { useComputed, useSignal } from "@preact/signals";
import { memo } from "preact/compat";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type AccountView } from "../api";
import { Icon } from "../components";
import { shownIcon } from "../iconStore";
import { formatCode, phaseOf } from "../logic/codes";
import { contrastOn } from "../logic/icons";
import { codeShown, maskCode, nextShown, revealUntil } from "../logic/privacy";
import { connectionState, reactivationMessage, statusText } from "../logic/push";
import { errorText } from "../logic/report";
import { sameFrame } from "../logic/rows";
import { title } from "../logic/search";
import { describeSeconds } from "../logic/settings";
import { clock, push } from "../pushStore";
import {
  countdown,
  display,
  liveCode,
  refresh,
  retainLive,
  screen,
  second,
  settings,
  showToast,
} from "../state";

/** A stable colour per issuer, for the letter avatar. */
function hue(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}

/**
 * The account's icon: its own image (only ever through <img> from a data: URI, which runs no
 * script and loads nothing), an icon of the bundled set (chosen, or matched by issuer), or the
 * letter avatar while none applies or the icon is still loading.
 */
function Avatar({ account, primary }: { account: AccountView; primary: string }) {
  const icon = shownIcon(account);
  if (icon?.type === "image") {
    return (
      <span class="avatar avatar-image" aria-hidden="true" data-icon="image">
        <img src={icon.uri} alt="" />
      </span>
    );
  }
  if (icon?.type === "set") {
    return (
      <span
        class="avatar avatar-icon"
        aria-hidden="true"
        data-icon={icon.slug}
        style={`--brand:#${icon.hex};--glyph:${contrastOn(icon.hex)}`}
      >
        <svg viewBox="0 0 24 24">
          <path d={icon.path} />
        </svg>
      </span>
    );
  }
  return (
    <span class="avatar" aria-hidden="true" style={`--hue:${hue(primary)}`}>
      {[...primary][0]?.toUpperCase() ?? "?"}
    </span>
  );
}

function PushLine({ account, state }: { account: AccountView; state: NonNullable<ReturnType<typeof connectionState>> }) {
  const connection = push.value.connections[account.id];
  const server = account.push?.server_name ?? "";
  // Moves with the clock only while "next try in N s" counts down.
  const text = useComputed(() => statusText(state, server, connection?.retryAt ?? null, clock.value)).value;
  const reason = state === "reconnecting" ? (connection?.message ?? undefined) : undefined;
  return (
    <span class="push-status" data-state={state} title={reason}>
      <span class="push-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function ReactivationGuide(props: { account: AccountView; label: string; onRemove: (account: AccountView) => void }) {
  const message = reactivationMessage(props.account, push.value.connections);
  return (
    <div class="reactivation-guide" role="alert">
      <p class="reactivation-message">
        <Icon name="warn" />
        <span>{message}</span>
      </p>
      <p>Sign-in requests for this account stop until you add it again:</p>
      <ol>
        <li>Ask your administrator for a new activation code.</li>
        <li>Remove this account from Twofold.</li>
        <li>Add it again with the new activation code.</li>
      </ol>
      <div class="button-row">
        <button
          type="button"
          class="reactivate-remove"
          aria-label={`Remove this account: ${props.label}`}
          onClick={() => props.onRemove(props.account)}
        >
          Remove this account
        </button>
        <button type="button" class="reactivate-add" onClick={() => (screen.value = "add")}>
          Add with a new activation code
        </button>
      </div>
    </div>
  );
}

function spell(code: string): string {
  return code.split("").join(" ");
}

/** The ring's style: its animation loops from when it mounts, so start it where the period is. */
function ringStyle(period: number, phase: number): string {
  const into = (((Date.now() / 1000 - phase) % period) + period) % period;
  return `--period:${period}s;--steps:${period};--delay:${(-into).toFixed(3)}s`;
}

/**
 * The parts of a row that change with every fetch: the code, the countdown (or the HOTP next
 * button) and the next code. Their text and labels are bound to the account's live codes
 * (state.ts), so a refresh writes the new codes into the DOM without rendering any component;
 * this renders again only when the code's phase does. One component for the three, placed in
 * the row's grid by their classes: fewer components make a row cheaper to mount. The row keys
 * it by what its bindings read (label, period), so it mounts again when those change.
 */
function Live(props: { account: AccountView; label: string; primary: string; showNext: boolean }) {
  const { account, label, primary } = props;
  const codes = liveCode(account);
  useEffect(() => retainLive(account.id, codes), [account.id, codes]);
  const period = account.period;
  const phase = useComputed(() => {
    const expiry = codes.value.expiresAt;
    return period !== null && expiry !== null ? phaseOf(period, expiry) : null;
  }).value;
  const ring = useMemo(() => (period && phase !== null ? ringStyle(period, phase) : ""), [period, phase]);
  // Privacy: a hidden code shows dots until tapped (or Enter), then stays for its period.
  const revealedUntil = useSignal<number | null>(null);
  // Reads the clock only while hiding is on: the rows do not follow every second otherwise.
  const hidden = useComputed(() =>
    display.value.hideCodes ? !codeShown(true, revealedUntil.value, second.value) : false,
  );
  const shown = useComputed(() => (hidden.value ? maskCode(codes.value.code) : formatCode(codes.value.code)));
  const copyLabel = useComputed(() =>
    hidden.value
      ? `Show the code for ${label} (hidden)`
      : `Copy the code for ${label}: ${spell(codes.value.code)}`,
  );
  const nextText = useComputed(() => (hidden.value ? maskCode(codes.value.next) : formatCode(codes.value.next)));
  const nextLabel = useComputed(() => (hidden.value ? "Next code (hidden)" : `Next code: ${spell(codes.value.next)}`));
  // The next code only in the current one's last seconds, when the setting says so.
  const nextVisible = useComputed(() => {
    const last = display.value.nextCodeLastSeconds;
    if (last === 0 || period === null || phase === null) return true;
    return nextShown(true, last, countdown(period, phase).left.value);
  }).value;
  const nextLead = useComputed(() =>
    account.kind === "hotp" ? `counter ${codes.value.counter ?? 0} · next ` : "next ",
  );
  const [busy, setBusy] = useState(false);

  async function copy() {
    if (hidden.peek()) {
      const expiry = codes.peek().expiresAt;
      const now = second.peek();
      revealedUntil.value = revealUntil(now, expiry === null ? null : expiry - now, period);
      return;
    }
    try {
      await api.copyCode(account.id, settings.value.clipboardClearSeconds);
      const clears = settings.value.clipboardClearSeconds;
      showToast(
        clears > 0
          ? `Copied the code for ${primary}. The clipboard clears in ${describeSeconds(clears)}.`
          : `Copied the code for ${primary}.`,
      );
      // The use count moved: the "most used" order shows it now, not at the next code.
      if (display.peek().sortMode === "used") void refresh();
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

  let side;
  if (period !== null && phase !== null) {
    // Shared by every code of this period and phase; a refresh moves its signals, and the
    // seconds (a signal rendered as text) update without rendering anything.
    const { left, urgent } = countdown(period, phase);
    side = (
      <span class="countdown" data-urgent={urgent} aria-hidden="true">
        <svg class="ring" viewBox="0 0 36 36" style={ring}>
          <circle class="ring-track" cx="18" cy="18" r="15" />
          <circle class="ring-fill" cx="18" cy="18" r="15" pathLength="100" />
        </svg>
        <span class="seconds">{left}</span>
      </span>
    );
  } else {
    side = (
      <button
        type="button"
        class="icon-button next-button"
        onClick={next}
        disabled={busy}
        aria-label={`Next code for ${label}`}
        title="Next code"
      >
        {Icon({ name: "next" })}
      </button>
    );
  }

  return (
    <>
      <button type="button" class="code" onClick={copy} aria-label={copyLabel} data-hidden={hidden}>
        {shown}
      </button>
      <div class="code-side">{side}</div>
      {props.showNext && nextVisible && (
        <span class="next-code" aria-label={nextLabel}>
          {nextLead}
          <span class="mono">{nextText}</span>
        </span>
      )}
    </>
  );
}

export interface RowProps {
  account: AccountView;
  showNext: boolean;
  /** Position in the shown list, from 0, and its length (for screen readers). */
  index: number;
  setSize: number;
  /** Custom order: the row shows move up/down buttons and can be dragged. */
  movable: boolean;
  /** Must be stable: a row does not render again when only these change. */
  onEdit: (account: AccountView) => void;
  onRemove: (account: AccountView) => void;
  /** Custom order: move by one place in the shown list (-1 up, +1 down). */
  onMove: (index: number, delta: -1 | 1) => void;
  /** Custom order: the account with id `draggedId` was dropped on this row. */
  onDrop: (draggedId: string, target: AccountView) => void;
}

function sameProps(a: RowProps, b: RowProps): boolean {
  return (
    sameFrame(a.account, b.account) &&
    a.showNext === b.showNext &&
    a.movable === b.movable &&
    a.index === b.index &&
    a.setSize === b.setSize
  );
}

export const AccountRow = memo(function AccountRow(props: RowProps) {
  const { account, showNext } = props;
  const { primary, secondary } = title(account);
  const label = secondary ? `${primary} (${secondary})` : primary;
  // Only Twofold accounts follow the connections (and render again when they change).
  const pushState = account.push ? connectionState(account, push.value.connections) : null;

  async function favourite() {
    try {
      await api.setFavourite(account.id, !account.favourite);
      await refresh();
    } catch (err) {
      showToast(errorText(err));
    }
  }

  return (
    <li
      class="account"
      data-id={account.id}
      data-kind={account.kind}
      data-index={props.index}
      data-push-state={pushState ?? undefined}
      aria-posinset={props.index + 1}
      aria-setsize={props.setSize}
      draggable={props.movable}
      onDragStart={(e) => {
        if (!props.movable || !e.dataTransfer) return;
        e.dataTransfer.setData("text/x-twofold-account", account.id);
        e.dataTransfer.effectAllowed = "move";
      }}
      onDragOver={(e) => {
        if (props.movable && e.dataTransfer?.types.includes("text/x-twofold-account")) e.preventDefault();
      }}
      onDrop={(e) => {
        const dragged = e.dataTransfer?.getData("text/x-twofold-account");
        if (props.movable && dragged) {
          e.preventDefault();
          props.onDrop(dragged, account);
        }
      }}
    >
      <Avatar account={account} primary={primary} />
      <div class="account-text">
        <span class="issuer">{primary}</span>
        {(secondary || account.group) && (
          <span class="name">
            {account.group && <span class="group-tag">{account.group}</span>}
            {secondary}
          </span>
        )}
      </div>
      {/* Icons are called rather than mounted here: one component less each, for every row. */}
      <div class="account-actions">
        {props.movable && (
          <>
            <button
              type="button"
              class="icon-button move-up"
              aria-label={`Move up: ${label} (Alt+Up)`}
              disabled={props.index === 0}
              onClick={() => props.onMove(props.index, -1)}
            >
              {Icon({ name: "up" })}
            </button>
            <button
              type="button"
              class="icon-button move-down"
              aria-label={`Move down: ${label} (Alt+Down)`}
              disabled={props.index === props.setSize - 1}
              onClick={() => props.onMove(props.index, 1)}
            >
              {Icon({ name: "down" })}
            </button>
          </>
        )}
        <button
          type="button"
          class="icon-button star"
          aria-pressed={account.favourite}
          aria-label={`Favourite: ${label}`}
          onClick={favourite}
        >
          {Icon({ name: "star", filled: account.favourite })}
        </button>
        <button
          type="button"
          class="icon-button edit-button"
          aria-label={`Edit ${label}`}
          onClick={() => props.onEdit(account)}
        >
          {Icon({ name: "more" })}
        </button>
      </div>
      <Live
        key={`${account.period ?? "hotp"}:${label}`}
        account={account}
        label={label}
        primary={primary}
        showNext={showNext}
      />
      {pushState && <PushLine account={account} state={pushState} />}
      {pushState === "needs_reactivation" && (
        <ReactivationGuide account={account} label={label} onRemove={props.onRemove} />
      )}
    </li>
  );
}, sameProps);
