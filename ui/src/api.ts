// The shell's commands, typed. Everything the screens do to the vault goes through here.
import { invoke } from "@tauri-apps/api/core";

export type Kind = "totp" | "hotp" | "steam";

export interface PushView {
  server_url: string;
  device_id: string;
  state: { state: "active" } | { state: "needs_reactivation"; message: string };
}

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
}

export interface Codes {
  now: number;
  accounts: AccountView[];
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
  listAccounts: () => invoke<Codes>("list_accounts"),
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
  exportBackup: (path: string, password: string) =>
    invoke<void>("export_backup", { path, password }),
};
