// First run (create the vault) and unlock.
import { useEffect, useState } from "preact/hooks";
import { api, isCommandError } from "../api";
import { ErrorText, Icon, Logo, PasswordPair, useAction } from "../components";
import { biometricFailure, biometricName, offersUnlock, type BiometricStatus } from "../logic/biometric";
import { bannerText } from "../logic/push";
import { errorText } from "../logic/report";
import { newPasswordProblem } from "../logic/strength";
import { afterUnlock, waitingRequest } from "../pushStore";
import { refresh, screen, vaultPath } from "../state";

export function Setup() {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const { busy, error, setError, run } = useAction();

  function submit(e: Event) {
    e.preventDefault();
    const problem = newPasswordProblem(password, repeat);
    if (problem) return setError(problem);
    void run(async () => {
      await api.createVault(password);
      await refresh();
      screen.value = "accounts";
    });
  }

  return (
    <main class="welcome" id="setup-screen">
      <form class="card welcome-card" onSubmit={submit} aria-labelledby="setup-title">
        <Logo size={64} />
        <h1 id="setup-title">Welcome to Twofold</h1>
        <p class="lead">
          Choose a password for your vault. It encrypts your accounts on this device, and nobody
          can recover it for you.
        </p>
        <PasswordPair
          id="new-password"
          label="Vault password"
          password={password}
          repeat={repeat}
          onPassword={setPassword}
          onRepeat={setRepeat}
          autoFocus
        />
        <ErrorText text={error} />
        <button type="submit" class="primary wide" disabled={busy} id="create-vault">
          {busy ? "Creating…" : "Create vault"}
        </button>
        <p class="fine">Vault file: {vaultPath.value}</p>
      </form>
    </main>
  );
}

export function Unlock() {
  const [password, setPassword] = useState("");
  const { busy, error, setError, run } = useAction();
  const [biometric, setBiometric] = useState<BiometricStatus | null>(null);

  async function opened() {
    await refresh();
    afterUnlock();
  }

  function submit(e: Event) {
    e.preventDefault();
    if (!password) return;
    void run(async () => {
      await api.unlock(password);
      setPassword("");
      await opened();
    });
  }

  function unlockWithBiometric() {
    void run(async () => {
      try {
        await api.unlockWithBiometric();
      } catch (err) {
        setError(isCommandError(err) ? biometricFailure(err.kind, err.message) : errorText(err));
        return;
      }
      await opened();
    });
  }

  // Where biometric unlock is on, ask at once; the password stays there as the way back.
  useEffect(() => {
    api.biometricStatus().then(
      (status) => {
        setBiometric(status);
        if (offersUnlock(status)) unlockWithBiometric();
      },
      () => setBiometric(null),
    );
  }, []);
  const waiting = waitingRequest.value;

  return (
    <main class="welcome" id="unlock-screen">
      <form class="card welcome-card" onSubmit={submit} aria-labelledby="unlock-title">
        <Logo size={64} />
        <h1 id="unlock-title">Unlock Twofold</h1>
        {waiting && (
          <div class="banner" role="status" id="pending-request-banner">
            <Icon name="shield" />
            <strong>{bannerText(waiting)}</strong>
          </div>
        )}
        <p class="lead">Enter your vault password to see your codes.</p>
        <div class="field">
          <label for="unlock-password">Vault password</label>
          <input
            id="unlock-password"
            type="password"
            autocomplete="current-password"
            value={password}
            autoFocus
            aria-invalid={error ? "true" : undefined}
            aria-describedby="unlock-error"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </div>
        <ErrorText text={error} id="unlock-error" />
        <button type="submit" class="primary wide" disabled={busy || !password} id="unlock-button">
          {busy ? "Unlocking…" : "Unlock"}
        </button>
        {biometric && offersUnlock(biometric) && (
          <button type="button" class="wide" disabled={busy} id="unlock-biometric" onClick={unlockWithBiometric}>
            <Icon name="lock" /> Unlock with {biometricName(biometric.kind)}
          </button>
        )}
      </form>
    </main>
  );
}
