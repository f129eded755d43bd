// The shell's commands, typed. Everything the screens do to the vault goes through here.
import { invoke } from "@tauri-apps/api/core";
import type { BiometricStatus } from "./logic/biometric";

export type Kind = "totp" | "hotp" | "steam";

export interface PushView {
  server_url: string;
  server_name: string;
  username: string;
  device_id: string;
  state: { state: "active" } | { state: "needs_reactivation"; message: string };
}

/** An account's own icon: one of the set, or an image (fetched with `accountIcon`). */
export type IconView = { type: "set"; slug: string } | { type: "image"; hash: string };

/** What the icon picker saves. `data` is base64 of the file's bytes. */
export type IconChoice =
  | { type: "none" }
  | { type: "set"; slug: string }
  | { type: "image"; mime: string; data: string };

export interface AccountView {
  id: string;
  issuer: string | null;
  name: string;
  kind: Kind;
  algorithm: string;
  digits: number;
  period: number | null;
  counter: number | null;
  code: string;
  next_code: string;
  seconds_left: number | null;
  group: string | null;
  note: string | null;
  favourite: boolean;
  last_used: number | null;
  created: number;
  push: PushView | null;
  /** Chosen or imported; null: matched by issuer from the bundled set. */
  icon?: IconView | null;
  /** Codes copied so far (the "most used" order). */
  use_count?: number;
  /** The account's place in the vault: the custom order. */
  position?: number;
}

export interface Codes {
  now: number;
  /** The same as the last fetch's: only the codes changed (names, groups, favourites did not). */
  revision: number;
  accounts: AccountView[];
}

/** One TOTP or Steam account's codes: `[id, code, next_code, seconds_left]`. */
export type TimeCode = [id: string, code: string, next: string, secondsLeft: number];

/** The time-based accounts' codes at `now` and nothing else (HOTP codes change only with a
 * save). `revision` is the shell's: when it differs from the list's, fetch the list. */
export interface TimeCodes {
  now: number;
  revision: number;
  /** In vault order. */
  codes: TimeCode[];
}

export interface AddReport {
  added: { id: string; label: string }[];
  skipped: { entry: string; reason: string }[];
  notes: string[];
}

export interface VaultStatus {
  exists: boolean;
  locked: boolean;
  path: string;
}

export interface MigrationProgress {
  missing: number[];
  size: number;
}

export interface Platform {
  screen_scan: boolean;
  mobile: boolean;
}

/** `twofold`: the encrypted backup; `aegis`: an Aegis vault, encrypted when `encrypt` is set. */
export interface ExportRequest {
  format: "twofold" | "aegis";
  encrypt: boolean;
  password: string;
}

export interface FormatInfo {
  name: string;
  description: string;
}

export interface EditFields {
  issuer: string;
  name: string;
  group: string;
  note: string;
  favourite: boolean;
}

/** A sign-in request waiting for an answer (what the server signed, checked by the shell). */
export interface PendingChallenge {
  /** The vault account the request is for. */
  account_id: string;
  /** "chl_..." */
  id: string;
  username: string;
  /** e.g. "VPN" */
  application: string;
  client_ip: string;
  /** "" when unknown. */
  location: string;
  /** Server clock, unix seconds. */
  created_at: number;
  /** Server clock, unix seconds. */
  expires_at: number;
  /** The same instant by this device's clock (Date.now()/1000 scale): the countdown uses it. */
  expires_at_local: number;
  /** The user must type the number shown on the sign-in page. */
  number_required: boolean;
}

/** The server's verdict on a sent answer. */
export type AnswerOutcome =
  | "accepted"
  | "wrong_number"
  | "answered_elsewhere"
  | "expired"
  | "cancelled"
  | "refused";

/** What the shell emits as the Tauri event `"push"`. */
export type PushEvent =
  | { event: "connected"; account_id: string; server_time: number; clock_offset: number }
  | { event: "disconnected"; account_id: string; reason: string; retry_in_ms: number }
  | ({ event: "challenge" } & PendingChallenge)
  | { event: "refused"; account_id: string; challenge_id: string; reason: string; message: string }
  | {
      event: "answer_result";
      account_id: string;
      challenge_id: string;
      outcome: AnswerOutcome;
      message: string;
    }
  | { event: "withdrawn"; account_id: string; challenge_id: string; reason: string }
  | { event: "needs_reactivation"; account_id: string; message: string };

export type PushConnection = "connecting" | "connected" | "reconnecting" | "needs_reactivation";

export interface PushAccountStatus {
  account_id: string;
  label: string;
  username: string;
  server_name: string;
  server_url: string;
  state: PushConnection;
  /** The disconnect reason, or the server's reactivation message. */
  message: string | null;
  /** With "reconnecting". */
  retry_in_ms: number | null;
}

export interface PushStatus {
  accounts: PushAccountStatus[];
  pending: PendingChallenge[];
}

/** "report" denies and reports fraud. */
export type Decision = "approve" | "deny" | "report";

/** A failed command: `kind` is stable (`vault.wrong_password`), `message` is for people. */
export interface CommandError {
  kind: string;
  message: string;
}

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as CommandError).kind === "string" &&
    typeof (value as CommandError).message === "string"
  );
}

export const api = {
  vaultStatus: () => invoke<VaultStatus>("vault_status"),
  createVault: (password: string) => invoke<void>("create_vault", { password }),
  unlock: (password: string) => invoke<void>("unlock", { password }),
  lock: () => invoke<void>("lock"),
  changePassword: (current: string, next: string) =>
    invoke<void>("change_password", { current, new: next }),
  biometricStatus: () => invoke<BiometricStatus>("biometric_status"),
  enableBiometric: () => invoke<void>("enable_biometric"),
  disableBiometric: () => invoke<void>("disable_biometric"),
  /** Shows the device's biometric prompt, then opens the vault with the key it releases. */
  unlockWithBiometric: () => invoke<void>("unlock_with_biometric"),
  listAccounts: () => invoke<Codes>("list_accounts"),
  /** The periodic refresh: only the codes that change with time (see TimeCodes). */
  accountCodes: () => invoke<TimeCodes>("account_codes"),
  nextCode: (id: string) => invoke<AccountView>("next_code", { id }),
  editAccount: (id: string, fields: EditFields) => invoke<void>("edit_account", { id, fields }),
  setFavourite: (id: string, favourite: boolean) =>
    invoke<void>("set_favourite", { id, favourite }),
  removeAccount: (id: string) => invoke<string>("remove_account", { id }),
  copyCode: (id: string, clearAfterSecs: number) =>
    invoke<string>("copy_code", { id, clearAfterSecs }),
  addUri: (uri: string) => invoke<AddReport>("add_uri", { uri }),
  /** Text read from a QR code elsewhere (or a pasted `otpauth-migration://` link). */
  addScannedText: (text: string) => invoke<AddReport>("add_scanned", { texts: [text] }),
  scanImage: (bytes: Uint8Array) => invoke<AddReport>("scan_image", bytes),
  scanScreen: () => invoke<AddReport>("scan_screen"),
  migrationProgress: () => invoke<MigrationProgress | null>("migration_progress"),
  platform: () => invoke<Platform>("platform"),
  importFormats: () => invoke<FormatInfo[]>("import_formats"),
  importFile: (format: string, data: string, password: string) =>
    invoke<AddReport>("import_file", { request: { format, data, password } }),
  /**
   * Exports every account; the Rust side opens the save dialog (this page never names a path).
   * Resolves with the path written, or null when the dialog was cancelled.
   */
  exportBackup: (request: ExportRequest) => invoke<string | null>("export_backup", { request }),
  setIcon: (id: string, icon: IconChoice) => invoke<void>("set_icon", { id, icon }),
  /** The account's image icon as a data: URI (shown only through <img>), or null. */
  accountIcon: (id: string) => invoke<string | null>("account_icon", { id }),
  moveAccount: (id: string, to: number) => invoke<void>("move_account", { id, to }),
  /** Asks the system for the permission to notify (Android 13+, iOS), once it matters. */
  ensureNotificationPermission: () =>
    invoke<"granted" | "denied" | "prompt">("ensure_notification_permission"),
  pushStatus: () => invoke<PushStatus>("push_status"),
  /** Resolves once the answer is sent; the verdict arrives later as an `answer_result` event. */
  answerPush: (accountId: string, challengeId: string, decision: Decision, number: string | null) =>
    invoke<void>("answer_push", { accountId, challengeId, decision, number }),
};
