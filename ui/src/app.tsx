// The app: picks the screen, runs the countdown, auto-locks after the idle time.
import { effect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "./api";
import { idleTimer } from "./logic/idle";
import { autoLockMs } from "./logic/settings";
import { startPush, tickPush } from "./pushStore";
import { Accounts } from "./screens/Accounts";
import { Add } from "./screens/Add";
import { Export, Import } from "./screens/Backup";
import { Request } from "./screens/Request";
import { Settings } from "./screens/Settings";
import { Setup, Unlock } from "./screens/Welcome";
import { lockNow, screen, settings, tick, toast, vaultPath } from "./state";

function Toast() {
  const current = toast.value;
  useEffect(() => {
    if (!current) return;
    const timer = setTimeout(() => {
      if (toast.value?.id === current.id) toast.value = null;
    }, 4000);
    return () => clearTimeout(timer);
  }, [current?.id]);
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {current && (
        <div class="toast" key={current.id}>
          {current.text}
        </div>
      )}
    </div>
  );
}

export function App() {
  useEffect(() => {
    api.vaultStatus().then(
      (status) => {
        vaultPath.value = status.path;
        screen.value = status.exists ? "unlock" : "setup";
      },
      () => (screen.value = "unlock"),
    );
    const stopPush = startPush();
    const ticker = setInterval(() => {
      tick();
      tickPush(Date.now());
    }, 250);
    return () => {
      clearInterval(ticker);
      stopPush();
    };
  }, []);

  // Auto-lock: any input counts as activity; checked every few seconds.
  const timeout = autoLockMs(settings.value);
  useEffect(() => {
    const idle = idleTimer(timeout, Date.now());
    const onInput = () => idle.activity(Date.now());
    const events = ["pointerdown", "keydown", "wheel", "touchstart"] as const;
    for (const name of events) window.addEventListener(name, onInput, { passive: true });
    // A sign-in request coming up counts too: it must not lock under the user's eyes.
    const stopWatching = effect(() => {
      if (screen.value === "request") idle.activity(Date.now());
    });
    const check = setInterval(() => {
      const unlocked = screen.value !== "unlock" && screen.value !== "setup" && screen.value !== "loading";
      if (unlocked && idle.expired(Date.now())) void lockNow();
      if (!unlocked) idle.activity(Date.now());
    }, 2000);
    return () => {
      clearInterval(check);
      stopWatching();
      for (const name of events) window.removeEventListener(name, onInput);
    };
  }, [timeout]);

  // Escape on a sub-screen goes back to the list (not on a sign-in request: it must be
  // answered or left to expire, never dismissed by a stray key); Ctrl/Cmd+L locks.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector("dialog[open]")) return;
      const sub = ["add", "import", "export", "settings"].includes(screen.value);
      if (e.key === "Escape" && sub) screen.value = "accounts";
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "l" && screen.value !== "unlock") {
        e.preventDefault();
        void lockNow();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  let body;
  switch (screen.value) {
    case "loading":
      body = <main class="welcome" aria-busy="true" />;
      break;
    case "setup":
      body = <Setup />;
      break;
    case "unlock":
      body = <Unlock />;
      break;
    case "accounts":
      body = <Accounts />;
      break;
    case "add":
      body = <Add />;
      break;
    case "import":
      body = <Import />;
      break;
    case "export":
      body = <Export />;
      break;
    case "settings":
      body = <Settings />;
      break;
    case "request":
      body = <Request />;
      break;
  }
  return (
    <>
      {body}
      <Toast />
    </>
  );
}
