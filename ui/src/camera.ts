// Camera scanning, on phones only (the shell registers the barcode-scanner plugin for Android
// and iOS; desktop shows no camera option). The plugin is loaded on first use, so desktop
// builds never run it. Not exercised on this project's Linux machines: see the README.

/** Asks for the camera when needed, opens it full screen and returns the QR code's text. */
export async function scanWithCamera(): Promise<string> {
  const scanner = await import("@tauri-apps/plugin-barcode-scanner");
  let permission = await scanner.checkPermissions();
  if (permission !== "granted") permission = await scanner.requestPermissions();
  if (permission !== "granted") {
    throw new Error(
      "Twofold may not use the camera. Allow it in the system settings, or open a screenshot of the QR code instead.",
    );
  }
  const scanned = await scanner.scan({ windowed: false, formats: [scanner.Format.QRCode] });
  return scanned.content;
}
