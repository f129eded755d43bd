// Add an account: paste a setup link or a Twofold activation code, open a QR image, scan the
// screen; Google Authenticator exports across several QR codes, with which batches are still
// missing. The shell activates Twofold accounts with their server (its errors are sentences).
import { useEffect, useState } from "preact/hooks";
import { api, type AddReport, type MigrationProgress, type Platform } from "../api";
import { scanWithCamera } from "../camera";
import { ErrorText, Icon, Modal, Page, Report } from "../components";
import { errorText, migrationText } from "../logic/report";
import { refresh, screen } from "../state";

export function Add() {
  const [uri, setUri] = useState("");
  const [report, setReport] = useState<AddReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [platform, setPlatform] = useState<Platform | null>(null);
  const [progress, setProgress] = useState<MigrationProgress | null>(null);
  const [askScreen, setAskScreen] = useState(false);

  useEffect(() => {
    api.platform().then(setPlatform, () => setPlatform(null));
    api.migrationProgress().then(setProgress, () => setProgress(null));
  }, []);

  async function run(what: string, action: () => Promise<AddReport>) {
    setBusy(what);
    setError(null);
    setReport(null);
    try {
      const result = await action();
      setReport(result);
      await refresh();
      setProgress(await api.migrationProgress());
      return result;
    } catch (err) {
      setError(errorText(err));
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function addLink(e: Event) {
    e.preventDefault();
    if (!uri.trim()) return;
    // twofold://activate?… goes to add_uri too: the shell activates the account.
    const result = await run("link", () =>
      uri.trim().toLowerCase().startsWith("otpauth-migration:")
        ? api.addScannedText(uri.trim())
        : api.addUri(uri),
    );
    if (result && result.added.length > 0) setUri("");
  }

  async function openImage(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    await run("image", () => api.scanImage(bytes));
  }

  async function scanCamera() {
    await run("camera", async () => api.addScannedText(await scanWithCamera()));
  }

  async function scanScreen() {
    setAskScreen(false);
    await run("screen", () => api.scanScreen());
  }

  return (
    <Page title="Add account" onBack={() => (screen.value = "accounts")} class="add-screen">
      <div id="add-screen" class="stack">
        {/* The outcome first, where it is seen without scrolling. */}
        <ErrorText text={error} id="add-error" />
        {report && <Report report={report} />}
        {report && report.added.length > 0 && (
          <button type="button" class="primary" onClick={() => (screen.value = "accounts")} id="add-done">
            Done
          </button>
        )}
        {progress && (
          <div class="banner" role="status" id="migration-progress">
            <Icon name="info" />
            <div>
              <strong>Google Authenticator export: {migrationText(progress)}.</strong>
              <p>Scan the remaining QR codes from the export screen, in any order.</p>
            </div>
          </div>
        )}

        <section class="card option">
          <h2>
            <Icon name="link" /> Paste a setup link or activation code
          </h2>
          <form onSubmit={addLink} class="stack">
            <label for="uri" class="sr-only">
              Setup link or activation code
            </label>
            <textarea
              id="uri"
              rows={3}
              spellcheck={false}
              autocomplete="off"
              placeholder="otpauth://…, otpauth-migration://… or twofold://activate?…"
              aria-describedby="uri-hint"
              value={uri}
              onInput={(e) => setUri(e.currentTarget.value)}
            />
            <p class="hint" id="uri-hint">
              An <code>otpauth://</code> link from a site's two-factor setup page, an{" "}
              <code>otpauth-migration://</code> link from a Google Authenticator export, or a
              Twofold activation code <code>twofold://activate?…</code> from your administrator.
            </p>
            <button type="submit" class="primary" disabled={!uri.trim() || busy !== null} id="add-uri">
              {busy === "link" ? "Adding…" : "Add"}
            </button>
          </form>
        </section>

        <section class="card option">
          <h2>
            <Icon name="image" /> Open a QR code image
          </h2>
          <p class="hint">
            A screenshot or photo (PNG or JPEG) of a setup, export or Twofold activation QR code.
            All QR codes in it are read.
          </p>
          <label class={`button file-button ${busy ? "disabled" : ""}`}>
            <input
              type="file"
              accept="image/png,image/jpeg"
              id="image-file"
              class="sr-only"
              disabled={busy !== null}
              onChange={openImage}
            />
            {busy === "image" ? "Reading…" : "Choose image…"}
          </label>
        </section>

        {platform?.mobile && (
          <section class="card option">
            <h2>
              <Icon name="image" /> Scan with the camera
            </h2>
            <p class="hint">Point the camera at a setup, export or Twofold activation QR code.</p>
            <button type="button" onClick={scanCamera} disabled={busy !== null} id="scan-camera">
              {busy === "camera" ? "Scanning…" : "Open the camera"}
            </button>
          </section>
        )}

        {platform?.screen_scan && (
          <section class="card option">
            <h2>
              <Icon name="screen" /> Scan the screen
            </h2>
            <p class="hint">
              Show the QR code (setup, export or Twofold activation) anywhere on your screen. Twofold steps aside, captures the screen
              once, reads the code and keeps nothing.
            </p>
            <button type="button" onClick={() => setAskScreen(true)} disabled={busy !== null} id="scan-screen">
              {busy === "screen" ? "Scanning…" : "Scan the screen…"}
            </button>
          </section>
        )}

      </div>

      <Modal open={askScreen} title="Capture the screen?" onClose={() => setAskScreen(false)} id="scan-dialog">
        <p>
          Twofold will take one picture of your screen to find a QR code. The picture stays in
          memory for a moment and is never saved.
        </p>
        <div class="dialog-buttons">
          <span class="spacer" />
          <button type="button" onClick={() => setAskScreen(false)}>
            Cancel
          </button>
          <button type="button" class="primary" onClick={scanScreen} id="confirm-scan" autoFocus>
            Capture and scan
          </button>
        </div>
      </Modal>
    </Page>
  );
}
