// Import from other apps' exports (with the per-entry report); export the encrypted backup or
// an Aegis vault (the app opens the save dialog itself).
import { useEffect, useState } from "preact/hooks";
import { api, type AddReport, type ExportRequest, type FormatInfo } from "../api";
import { ErrorText, Icon, Page, PasswordPair, Report, useAction } from "../components";
import { errorText, toBase64 } from "../logic/report";
import { newPasswordProblem } from "../logic/strength";
import { refresh, screen } from "../state";

export function Import() {
  const [formats, setFormats] = useState<FormatInfo[]>([]);
  const [format, setFormat] = useState("auto");
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState("");
  const [report, setReport] = useState<AddReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [needsPassword, setNeedsPassword] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.importFormats().then(setFormats, () => setFormats([]));
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const data = toBase64(new Uint8Array(await file.arrayBuffer()));
      const result = await api.importFile(format, data, password);
      setReport(result);
      setPassword("");
      await refresh();
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind === "import.password_required" || kind === "import.wrong_password") setNeedsPassword(true);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Import accounts" onBack={() => (screen.value = "accounts")}>
      <form class="card stack" onSubmit={submit} id="import-screen">
        <p class="lead">
          Bring your accounts over from another authenticator's export file. Accounts already in
          your vault are skipped.
        </p>
        <div class="field">
          <label for="import-file">Export file</label>
          <input
            type="file"
            id="import-file"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setReport(null);
              setError(null);
            }}
          />
        </div>
        <div class="field">
          <label for="import-format">Format</label>
          <select id="import-format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
            <option value="auto">Recognise automatically</option>
            {formats.map((f) => (
              <option value={f.name} key={f.name}>
                {f.description.replace(/^(an?|the) /, "").replace(/^./, (c) => c.toUpperCase())}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="import-password">Password {needsPassword ? "" : "(encrypted exports only)"}</label>
          <input
            type="password"
            id="import-password"
            autocomplete="off"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </div>
        <ErrorText text={error} id="import-error" />
        <button type="submit" class="primary" disabled={!file || busy} id="import-button">
          <Icon name="upload" /> {busy ? "Importing…" : "Import"}
        </button>
        {report && <Report report={report} />}
      </form>
    </Page>
  );
}

/** What the export screen offers: the Twofold backup, and Aegis vaults for leaving. */
const EXPORT_CHOICES = {
  twofold: { request: { format: "twofold", encrypt: true }, label: "Twofold backup (encrypted)" },
  "aegis-encrypted": { request: { format: "aegis", encrypt: true }, label: "Aegis vault, encrypted" },
  "aegis-plain": { request: { format: "aegis", encrypt: false }, label: "Aegis vault, NOT encrypted" },
} as const satisfies Record<string, { request: Omit<ExportRequest, "password">; label: string }>;

type ExportChoice = keyof typeof EXPORT_CHOICES;

export function Export() {
  const [choice, setChoice] = useState<ExportChoice>("twofold");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const { request } = EXPORT_CHOICES[choice];

  async function submit(e: Event) {
    e.preventDefault();
    setSaved(null);
    if (request.encrypt) {
      const problem = newPasswordProblem(password, repeat);
      if (problem) return setError(problem);
    }
    setError(null);
    await run(async () => {
      // The app opens the save dialog itself and writes only where the user pointed.
      const path = await api.exportBackup({ ...request, password: request.encrypt ? password : "" });
      if (path === null) return;
      setSaved(path);
      setPassword("");
      setRepeat("");
    });
  }

  return (
    <Page title="Export" onBack={() => (screen.value = "accounts")}>
      <form class="card stack" onSubmit={submit} id="export-screen">
        <p class="lead">
          Save every account to one file. A Twofold backup imports on another device with{" "}
          <em>Import → Twofold backup</em>; an Aegis vault takes your accounts to Aegis
          Authenticator (or back here), with their groups, notes and favourites.
        </p>
        <div class="field">
          <label for="export-format">Format</label>
          <select
            id="export-format"
            value={choice}
            onChange={(e) => {
              setChoice(e.currentTarget.value as ExportChoice);
              setSaved(null);
              setError(null);
            }}
          >
            {Object.entries(EXPORT_CHOICES).map(([value, c]) => (
              <option value={value} key={value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        {request.encrypt ? (
          <PasswordPair
            id="export-password"
            label={request.format === "twofold" ? "Backup password" : "Export password"}
            password={password}
            repeat={repeat}
            onPassword={setPassword}
            onRepeat={setRepeat}
          />
        ) : (
          <p class="error" role="alert" id="export-plain-warning">
            <Icon name="warn" /> This file holds every secret UNENCRYPTED: anyone who reads it can
            make your codes. Import it at once and delete it.
          </p>
        )}
        <ErrorText text={error} id="export-error" />
        <button type="submit" class="primary" disabled={busy} id="export-button">
          <Icon name="download" /> {busy ? "Saving…" : "Save…"}
        </button>
        {saved && (
          <p class="success" role="status" id="export-saved">
            <Icon name="check" /> Saved to {saved}
          </p>
        )}
      </form>
    </Page>
  );
}
