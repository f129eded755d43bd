// Biometric unlock as the screens offer it: only where the device has biometrics, and on the
// unlock screen only once it is turned on for this vault (Settings).

export interface BiometricStatus {
  available: boolean;
  /** "fingerprint", "face" or "biometrics" (Android does not say which). */
  kind: string | null;
  /** Why not, when it is not available. */
  reason: string | null;
  /** The vault has a key kept by the device behind biometrics. */
  enabled: boolean;
}

/** What to call it: "fingerprint", "face recognition" or "biometrics". */
export function biometricName(kind: string | null): string {
  switch (kind) {
    case "fingerprint":
      return "fingerprint";
    case "face":
      return "face recognition";
    default:
      return "biometrics";
  }
}

/** The unlock screen offers it (and asks at once) when it is on and the device can. */
export function offersUnlock(status: BiometricStatus | null): boolean {
  return status !== null && status.available && status.enabled;
}

/** Settings shows the switch only on devices with biometrics (never a switch that cannot work). */
export function offersSetting(status: BiometricStatus | null): boolean {
  return status !== null && status.available;
}

/**
 * What an unsuccessful biometric unlock says. A dismissed prompt is not an error to shout
 * about: the password field is right there.
 */
export function biometricFailure(kind: string, message: string): string | null {
  if (kind === "biometric.cancelled") return null;
  if (kind === "vault.wrong_device_key") {
    return "This device's key no longer opens the vault. Unlock with your password, then turn biometric unlock on again in Settings.";
  }
  return message;
}
