// Copyright 2026 the @concurrent/futures authors. MIT license.
// Development loops restart a program inside the same process, so nothing
// ends the old run's child processes: a server that creates its executor at
// top level gained one idle child per edit (issue 17). What each loop does
// to the old run, as measured on Deno 2.9.6 and Bun 1.4.5:
//
// - `deno run --watch` tears the isolate down and fires `unload` on it.
// - `deno run --watch-hmr` fires no `unload`; it delivers SIGTERM to the old
//   isolate's signal listeners, and the process lives on.
// - `bun --hot` evaluates the modules again in the same isolate: the old
//   executors become unreachable, and the FinalizationRegistry in
//   _pool/executor.ts ends their workers once a garbage collection runs.
//
// Thread workers need none of this on Deno (the isolate's teardown ends
// them); on Bun they go with their unreachable executor.

import process from "node:process";
import { setTimeout } from "node:timers";
import { deno } from "./deno_api.ts";
import { runtime } from "./runtime.ts";

/** A child process this isolate started. */
export interface OwnedChild {
  kill(signal: "SIGKILL"): void;
}

const children = new Set<OwnedChild>();
let listening = false;

/**
 * Records a child so that a development loop's restart of this isolate ends
 * it; the returned function forgets it (call it when the child exits).
 */
export function ownChild(child: OwnedChild): () => void {
  if (!listening) listen();
  children.add(child);
  return () => children.delete(child);
}

function endChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

function listen(): void {
  listening = true;
  if (runtime !== "deno") return;
  // Also fired when a program ends normally: its children would end with it
  // (their channel closes) a moment later anyway.
  globalThis.addEventListener("unload", endChildren);
  if (underWatchHmr()) listenForHmrRestart();
}

// Only under --watch-hmr: a SIGTERM listener replaces Deno's default action
// (exit), so one installed always would change what a real SIGTERM does.
function listenForHmrRestart(): void {
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

let collecting = false;

/**
 * Under `bun --hot`, asks for a garbage collection shortly after a new
 * executor is made: a reload makes the previous run's executors unreachable,
 * and only a collection lets their workers go. Does nothing elsewhere.
 */
export function collectAfterHotReload(): void {
  if (runtime !== "bun" || collecting || !process.execArgv.includes("--hot")) return;
  collecting = true;
  // Later, not now: the reload's module evaluation is still running.
  setTimeout(() => {
    collecting = false;
    (globalThis as unknown as { Bun: { gc(force: boolean): void } }).Bun.gc(true);
  }, 200).unref();
}
