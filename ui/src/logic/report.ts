// Turning the shell's answers into what the screens say.
import type { AddReport, CommandError, MigrationProgress } from "../api";

/** "Batch 2 of 3 still missing" / "Batches 2 and 3 of 4 still missing". */
export function migrationText(progress: MigrationProgress): string {
  const { missing, size } = progress;
  if (missing.length === 0) return `All ${size} batches scanned`;
  const list =
    missing.length === 1
      ? `${missing[0]}`
      : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  const noun = missing.length === 1 ? "Batch" : "Batches";
  return `${noun} ${list} of ${size} still missing`;
}

/** One line summing up an add or import. */
export function summary(report: AddReport): string {
  const added = report.added.length;
  const skipped = report.skipped.length;
  const parts: string[] = [];
  if (added > 0) parts.push(added === 1 ? "1 account added" : `${added} accounts added`);
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (parts.length === 0) return "Nothing was added";
  return parts.join(", ");
}

const FRIENDLY: Record<string, string> = {
  "vault.wrong_password": "Wrong password.",
  "vault.damaged": "The vault file is damaged or was changed outside Twofold.",
  "vault.locked": "The vault is locked.",
  "import.wrong_password": "Wrong password for this export.",
  "import.password_required": "This export is encrypted: enter its password.",
  "qr.unreadable": "",
  "account.bad_uri": "",
};

/** What to show for a failed command: a short sentence, falling back to the shell's message. */
export function errorText(error: unknown): string {
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    const e = error as CommandError;
    const friendly = FRIENDLY[e.kind];
    if (friendly) return friendly;
    return sentence(e.message);
  }
  if (typeof error === "string") return sentence(error);
  if (error instanceof Error) return sentence(error.message);
  return "Something went wrong.";
}

function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return "Something went wrong.";
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** Bytes to base64, in chunks (spreading a large array into fromCharCode overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
