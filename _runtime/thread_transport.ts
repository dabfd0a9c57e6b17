// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool thread. The backend differs by runtime (see ARCHITECTURE.md,
// "Runtime facts", for the measurements behind the choice):
//
// - Deno: node:worker_threads (thread_deno.ts). Deno's web Worker has no
//   unref(), so an idle pool would keep every script alive forever, and it
//   reports nothing when a worker ends by itself (self.close(), Deno.exit()),
//   so a dead worker would leave futures pending. node:worker_threads has
//   unref() and an `exit` event, at the cost of a slower start (about 20 ms
//   instead of 7.5 ms).
// - Bun: the web Worker (thread_bun.ts). It has unref() and a `close` event
//   with the exit code, starts in 1.5 ms (node:worker_threads: 8 ms) and
//   passes pipelined messages faster (1.19 M/s against 0.83 M/s).

import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import { runtime } from "./runtime.ts";
import { startWebWorker } from "./thread_bun.ts";
import { startNodeWorker } from "./thread_deno.ts";

/** The module every pool thread runs. */
export const THREAD_ENTRY: URL = new URL("../_worker/thread_entry.ts", import.meta.url);

/** Starts one worker thread running `_worker/thread_entry.ts`. */
export function startThread(name: string, events: TransportEvents): Transport {
  let exited = false;
  const exit = (status: ExitStatus) => {
    if (exited) return;
    exited = true;
    events.exit(status);
  };
  try {
    const start = runtime === "deno" ? startNodeWorker : startWebWorker;
    return start(THREAD_ENTRY, name, events, exit);
  } catch (error) {
    // Report a failed start the way a death is reported, never as a throw.
    queueMicrotask(() => exit({ code: null, signal: null, error }));
    return { send() {}, ref() {}, unref() {}, stop() {} };
  }
}
