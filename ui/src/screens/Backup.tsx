// Import from other apps' exports (with the per-entry report) and the encrypted backup.
import { save } from "@tauri-apps/plugin-dialog";
import { useEffect, useState } from "preact/hooks";
import { api, type AddReport, type FormatInfo } from "../api";
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

export function Export() {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();

  async function submit(e: Event) {
    e.preventDefault();
    setSaved(null);
    const problem = newPasswordProblem(password, repeat);
    if (problem) return setError(problem);
    setError(null);
    const date = new Date().toISOString().slice(0, 10);
    const path = await save({
      title: "Save the encrypted backup",
      defaultPath: `twofold-backup-${date}.twofold`,
      filters: [{ name: "Twofold backup", extensions: ["twofold"] }],
    });
    if (!path) return;
    await run(async () => {
      await api.exportBackup(path, password);
      setSaved(path);
      setPassword("");
      setRepeat("");
    });
  }

  return (
    <Page title="Encrypted backup" onBack={() => (screen.value = "accounts")}>
      <form class="card stack" onSubmit={submit} id="export-screen">
        <p class="lead">
          Save every account to one file, encrypted with a password of its own. Import it on
          another device with <em>Import → Twofold backup</em>.
        </p>
        <PasswordPair
          id="export-password"
          label="Backup password"
          password={password}
          repeat={repeat}
          onPassword={setPassword}
          onRepeat={setRepeat}
        />
        <ErrorText text={error} />
        <button type="submit" class="primary" disabled={busy} id="export-button">
          <Icon name="download" /> {busy ? "Saving…" : "Save backup…"}
        </button>
        {saved && (
          <p class="success" role="status">
            <Icon name="check" /> Backup saved to {saved}
          </p>
        )}
      </form>
    </Page>
  );
}
