// Settings: auto-lock, clipboard, next code, password change; the way to import and export.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { biometricName, offersSetting, type BiometricStatus } from "../logic/biometric";
import { ErrorText, Icon, Page, PasswordPair, useAction } from "../components";
import {
  AUTO_LOCK_CHOICES,
  CLIPBOARD_CHOICES,
  describeMinutes,
  describeSeconds,
  saveSettings,
  type Settings as Prefs,
} from "../logic/settings";
import { NEXT_CODE_CHOICES, describeNextCode } from "../logic/display";
import { newPasswordProblem } from "../logic/strength";
import { display, lockNow, screen, settings, showToast, updateDisplay, vaultPath } from "../state";

function update(change: Partial<Prefs>) {
  settings.value = { ...settings.value, ...change };
  saveSettings(settings.value);
}

/**
 * Biometric unlock, on devices that have biometrics (nothing is shown elsewhere). Turning it on
 * gives the vault a second key, kept by the device behind the biometric prompt.
 */
function BiometricSetting(props: { status: BiometricStatus; onChange: () => void }) {
  const { status } = props;
  const { busy, error, run } = useAction();
  const name = biometricName(status.kind);

  function toggle(on: boolean) {
    void run(async () => {
      if (on) await api.enableBiometric();
      else await api.disableBiometric();
      showToast(on ? `Unlock with ${name} is on.` : `Unlock with ${name} is off.`);
      props.onChange();
    });
  }

  return (
    <div class="stack">
      <label class="check">
        <input
          type="checkbox"
          id="biometric-unlock"
          checked={status.enabled}
          disabled={busy}
          onChange={(e) => toggle(e.currentTarget.checked)}
        />
        Unlock with {name}
      </label>
      <p class="fine">
        Your password still unlocks the vault. Changing the password turns this off; turn it on
        again afterwards.
      </p>
      <ErrorText text={error} />
    </div>
  );
}

function ChangePassword(props: { onChanged: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const { busy, error, setError, run } = useAction();

  function submit(e: Event) {
    e.preventDefault();
    const problem = newPasswordProblem(next, repeat);
    if (problem) return setError(problem);
    void run(async () => {
      await api.changePassword(current, next);
      setCurrent("");
      setNext("");
      setRepeat("");
      showToast("Vault password changed.");
      props.onChanged();
    });
  }

  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Vault password</h2>
      <div class="field">
        <label for="current-password">Current password</label>
        <input
          id="current-password"
          type="password"
          autocomplete="current-password"
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      </div>
      <PasswordPair
        id="changed-password"
        label="New password"
        password={next}
        repeat={repeat}
        onPassword={setNext}
        onRepeat={setRepeat}
      />
      <ErrorText text={error} />
      <button type="submit" disabled={busy || !current}>
        {busy ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}

export function Settings() {
  const prefs = settings.value;
  const [biometric, setBiometric] = useState<BiometricStatus | null>(null);
  const loadBiometric = () => {
    api.biometricStatus().then(setBiometric, () => setBiometric(null));
  };
  useEffect(loadBiometric, []);
  return (
    <Page title="Settings" onBack={() => (screen.value = "accounts")}>
      <div class="stack" id="settings-screen">
        <section class="card stack" aria-labelledby="security-title">
          <h2 id="security-title">Security</h2>
          <div class="field row">
            <label for="auto-lock">Lock after no activity for</label>
            <select
              id="auto-lock"
              value={prefs.autoLockMinutes}
              onChange={(e) => update({ autoLockMinutes: Number(e.currentTarget.value) })}
            >
              {AUTO_LOCK_CHOICES.map((m) => (
                <option value={m} key={m}>
                  {describeMinutes(m)}
                </option>
              ))}
            </select>
          </div>
          <div class="field row">
            <label for="clipboard-clear">Clear copied codes after</label>
            <select
              id="clipboard-clear"
              value={prefs.clipboardClearSeconds}
              onChange={(e) => update({ clipboardClearSeconds: Number(e.currentTarget.value) })}
            >
              {CLIPBOARD_CHOICES.map((s) => (
                <option value={s} key={s}>
                  {describeSeconds(s)}
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input
              type="checkbox"
              checked={prefs.showNextCode}
              onChange={(e) => update({ showNextCode: e.currentTarget.checked })}
            />
            Show the next code under each code
          </label>
          {biometric && offersSetting(biometric) && <BiometricSetting status={biometric} onChange={loadBiometric} />}
          <button type="button" onClick={() => void lockNow()} id="settings-lock">
            <Icon name="lock" /> Lock now
          </button>
        </section>

        <section class="card stack" aria-labelledby="privacy-title">
          <h2 id="privacy-title">Privacy</h2>
          <label class="check">
            <input
              type="checkbox"
              id="hide-codes"
              checked={display.value.hideCodes}
              onChange={(e) => updateDisplay({ hideCodes: e.currentTarget.checked })}
            />
            Hide codes until tapped (a tapped code shows for its period)
          </label>
          <div class="field row">
            <label for="next-code-when">Show the next code</label>
            <select
              id="next-code-when"
              value={display.value.nextCodeLastSeconds}
              disabled={!prefs.showNextCode}
              onChange={(e) => updateDisplay({ nextCodeLastSeconds: Number(e.currentTarget.value) })}
            >
              {NEXT_CODE_CHOICES.map((s) => (
                <option value={s} key={s}>
                  {describeNextCode(s)}
                </option>
              ))}
            </select>
          </div>
        </section>

        <section class="card stack" aria-labelledby="backup-title">
          <h2 id="backup-title">Import and backup</h2>
          <div class="button-row">
            <button type="button" onClick={() => (screen.value = "import")} id="open-import">
              <Icon name="upload" /> Import from another app
            </button>
            <button type="button" onClick={() => (screen.value = "export")} id="open-export">
              <Icon name="download" /> Backup and export
            </button>
          </div>
        </section>

        <ChangePassword onChanged={loadBiometric} />

        <p class="fine">Vault file: {vaultPath.value}</p>
      </div>
    </Page>
  );
}
