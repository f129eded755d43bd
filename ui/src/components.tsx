// Small shared pieces: icons, the modal dialog, the report of an add or import.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AddReport } from "./api";
import { errorText, summary } from "./logic/report";
import { passwordStrength } from "./logic/strength";

const PATHS = {
  plus: "M12 5v14M5 12h14",
  lock: "M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5z",
  gear: "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
  back: "M15 18l-6-6 6-6",
  search: "M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.3-4.3",
  star: "M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3 6.4 20.2l1.1-6.2L3 9.6l6.2-.9z",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  next: "M4 12a8 8 0 0 1 14-5.3M20 4v5h-5M20 12a8 8 0 0 1-14 5.3M4 20v-5h5",
  image: "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01",
  screen: "M3 4h18v12H3zM8 20h8M12 16v4",
  link: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
  upload: "M12 16V4M7 9l5-5 5 5M4 20h16",
  download: "M12 4v12M7 11l5 5 5-5M4 20h16",
  check: "M5 12l5 5 9-10",
  warn: "M12 3l10 18H2zM12 10v4M12 17.5v.01",
  info: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7.5v.01",
  close: "M6 6l12 12M18 6L6 18",
  shield: "M12 3l8 3v6c0 5-3.4 8.3-8 9-4.6-.7-8-4-8-9V6z",
  up: "M6 15l6-6 6 6",
  down: "M6 9l6 6 6-6",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, filled }: { name: IconName; filled?: boolean }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill={filled ? "currentColor" : "none"}
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}

export function Logo({ size = 40 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 1024 1024" aria-hidden="true">
      <defs>
        <linearGradient id="logo-g" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stop-color="#4c6ef5" />
          <stop offset="1" stop-color="#1864ab" />
        </linearGradient>
      </defs>
      <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#logo-g)" />
      <circle cx="410" cy="512" r="190" fill="none" stroke="#fff" stroke-width="76" />
      <circle cx="614" cy="512" r="190" fill="none" stroke="#fff" stroke-opacity="0.7" stroke-width="76" />
    </svg>
  );
}

/** A modal dialog (the platform's <dialog>: focus is trapped, Escape closes). */
export function Modal(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  id?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // In the same commit as the change (not after the next paint): a dialog that stays open a
  // frame longer keeps the page behind it inert, and a click or key meant for it is lost.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  const titleId = `${props.id ?? "modal"}-title`;
  return (
    <dialog
      ref={ref}
      id={props.id}
      class="modal"
      aria-labelledby={titleId}
      onClose={props.onClose}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      {props.open && (
        <>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
        </>
      )}
    </dialog>
  );
}

/** What an add or import did, entry by entry. */
export function Report({ report }: { report: AddReport }) {
  return (
    <section class="report" aria-live="polite" aria-label="Result">
      <p class="report-summary">
        <Icon name={report.added.length > 0 ? "check" : "info"} /> {summary(report)}
      </p>
      {report.notes.map((note) => (
        <p class="note" key={note}>
          <Icon name="info" /> {note}
        </p>
      ))}
      {report.added.length > 0 && (
        <ul class="entries added" aria-label="Added">
          {report.added.map((a) => (
            <li key={a.id}>
              <Icon name="check" /> {a.label}
            </li>
          ))}
        </ul>
      )}
      {report.skipped.length > 0 && (
        <ul class="entries skipped" aria-label="Skipped">
          {report.skipped.map((s, i) => (
            <li key={`${s.entry}-${i}`}>
              <Icon name="warn" /> <strong>{s.entry}</strong>: {s.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ErrorText({ text, id }: { text: string | null; id?: string }) {
  return (
    <p class="error" role="alert" id={id} hidden={!text}>
      {text}
    </p>
  );
}

/** A password field with the strength meter under it. */
export function NewPassword(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  autoFocus?: boolean;
}) {
  const hint = passwordStrength(props.value);
  const level = { "too-short": 0, weak: 1, fair: 2, good: 3, strong: 4 }[hint.strength];
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="password"
        autocomplete="new-password"
        value={props.value}
        autoFocus={props.autoFocus}
        aria-describedby={`${props.id}-hint`}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <div class="meter" data-level={level} aria-hidden="true">
        <span />
        <span />
        <span />
        <span />
      </div>
      <p class="hint" id={`${props.id}-hint`} aria-live="polite">
        {props.value ? hint.hint : "At least 8 characters. A few unrelated words work well."}
      </p>
    </div>
  );
}

/** A new password with its strength meter, and the field to type it again. */
export function PasswordPair(props: {
  id: string;
  label: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  autoFocus?: boolean;
}) {
  return (
    <>
      <NewPassword
        id={props.id}
        label={props.label}
        value={props.password}
        onInput={props.onPassword}
        autoFocus={props.autoFocus ?? false}
      />
      <div class="field">
        <label for={`${props.id}-repeat`}>Repeat the password</label>
        <input
          id={`${props.id}-repeat`}
          type="password"
          autocomplete="new-password"
          value={props.repeat}
          onInput={(e) => props.onRepeat(e.currentTarget.value)}
        />
      </div>
    </>
  );
}

/** A form's action: busy while it runs, its failure as a sentence. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

export function Page(props: {
  title: string;
  onBack: () => void;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <div class={`page ${props.class ?? ""}`}>
      <header class="bar">
        <button type="button" class="icon-button" onClick={props.onBack} aria-label="Back to accounts">
          <Icon name="back" />
        </button>
        <h1>{props.title}</h1>
      </header>
      <main class="page-body">{props.children}</main>
    </div>
  );
}

