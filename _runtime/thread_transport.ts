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

//
// Either way the thread runs the worker code from text, never from this
// package's files (see source_url.ts).

import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import { runtime } from "./runtime.ts";
import { startWebWorker } from "./thread_bun.ts";
import { type ResourceLimits, startNodeWorker } from "./thread_deno.ts";
import { ResultPort } from "./thread_results.ts";
import { THREAD_SOURCE } from "./thread_source.generated.ts";

export type { ResourceLimits } from "./thread_deno.ts";

/**
 * Starts one worker thread running `_worker/thread_entry.ts`, bundled, with
 * `limits` where the runtime honours them (Deno; Bun's workers ignore them).
 */
export function startThread(
  name: string,
  events: TransportEvents,
  limits?: ResourceLimits,
): Transport {
  let exited = false;
  // The worker's messages come over its result port (thread_results.ts).
  const results = new ResultPort((message) => events.message(message), runtime === "deno");
  const exit = (status: ExitStatus) => {
    if (exited) return;
    exited = true;
    results.close(); // every message before the exit
    events.exit(status);
  };
  try {
    return runtime === "deno"
      ? startNodeWorker(THREAD_SOURCE, name, results, exit, limits)
      : startWebWorker(THREAD_SOURCE, name, results, exit);
  } catch (error) {
    // Report a failed start the way a death is reported, never as a throw.
    queueMicrotask(() => exit({ code: null, signal: null, error }));
    return { send() {}, ref() {}, unref() {}, stop() {} };
  }
}
