import { defineConfig } from "vitest/config";
import { iconSet } from "./build/iconSet";

// The screens are embedded into the app (src-tauri reads ../ui/dist at compile time).
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  clearScreen: false,
  plugins: [iconSet()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.40+ on Linux, WKWebView on macOS/iOS, WebView2 on Windows, Android WebView.
    target: "safari16",
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
