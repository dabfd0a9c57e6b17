// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno's development loops and the children of the run they restart (see
// ../dev_reload.ts): `--watch` fires `unload` on the old isolate,
// `--watch-hmr` sends its signal listeners SIGTERM.

import process from "node:process";
import { setTimeout } from "node:timers";
import { deno } from "./api.ts";

/** Ends the isolate's children when a development loop restarts it. */
export function watchDenoReload(endChildren: () => void): void {
  // Also fired when a program ends normally: its children would end with it
  // (their channel closes) a moment later anyway.
  globalThis.addEventListener("unload", endChildren);
  if (underWatchHmr()) listenForHmrRestart(endChildren);
}

// Only under --watch-hmr: a SIGTERM listener replaces Deno's default action
// (exit), so one installed always would change what a real SIGTERM does.
function listenForHmrRestart(endChildren: () => void): void {
  const api = deno();
  const onTerm = () => {
    endChildren();
    api.removeSignalListener("SIGTERM", onTerm);
    // A restart tears this isolate down and this timer never fires. A real
    // SIGTERM leaves it running: then send the signal again, now without
    // this listener, so the program ends as it would have.
    setTimeout(() => {
      try {
        api.kill(api.pid, "SIGTERM");
      } catch {
        process.exit(143); // no --allow-run: end as SIGTERM would have
      }
    }, 1_000).unref();
  };
  api.addSignalListener("SIGTERM", onTerm);
}

// Deno tells a program nothing about its watch mode; its command line does,
// where this process may read it (Linux, with read access to /proc).
function underWatchHmr(): boolean {
  try {
    const path = "/proc/self/cmdline";
    if (deno().permissions.querySync({ name: "read", path }).state !== "granted") return false;
    const args = deno().readTextFileSync(path).split("\0");
    return args.some((arg) => /^--(watch-hmr|hmr)(=|$)/.test(arg));
  } catch {
    return false;
  }
}
