import { describe, expect, it } from "vitest";
import { biometricFailure, biometricName, offersSetting, offersUnlock, type BiometricStatus } from "./biometric";

const phone: BiometricStatus = { available: true, kind: "fingerprint", reason: null, enabled: true };
const desktop: BiometricStatus = {
  available: false,
  kind: null,
  reason: "Biometry is not supported on this platform",
  enabled: false,
};

describe("biometric unlock", () => {
  it("is offered on the unlock screen only when on and possible", () => {
    expect(offersUnlock(phone)).toBe(true);
    expect(offersUnlock({ ...phone, enabled: false })).toBe(false);
    // A vault moved to a device without biometrics keeps its slot but offers the password.
    expect(offersUnlock({ ...phone, available: false })).toBe(false);
    expect(offersUnlock(null)).toBe(false);
  });

  it("has a setting only where the device has biometrics", () => {
    expect(offersSetting(phone)).toBe(true);
    expect(offersSetting({ ...phone, enabled: false })).toBe(true);
    expect(offersSetting(desktop)).toBe(false);
    expect(offersSetting(null)).toBe(false);
  });

  it("names the kind the device has", () => {
    expect(biometricName("fingerprint")).toBe("fingerprint");
    expect(biometricName("face")).toBe("face recognition");
    expect(biometricName("biometrics")).toBe("biometrics");
    expect(biometricName(null)).toBe("biometrics");
  });

  it("keeps quiet about a dismissed prompt and explains a stale key", () => {
    expect(biometricFailure("biometric.cancelled", "biometric unlock was cancelled")).toBeNull();
    expect(biometricFailure("vault.wrong_device_key", "x")).toMatch(/turn biometric unlock on again/);
    expect(biometricFailure("biometric.failed", "biometric unlock did not work: lockout")).toBe(
      "biometric unlock did not work: lockout",
    );
  });
});
