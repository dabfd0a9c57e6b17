// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread on node:worker_threads: Deno's and Node's (see their
// adapters for why Deno takes it over its web Worker).

import { Worker as NodeWorker } from "node:worker_threads";
import type { Transferable } from "../_future/call.ts";
import type { Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { ThreadStart } from "./adapter.ts";

// How long a closed worker may take to exit by itself before it is terminated.
const CLOSE_GRACE_MS = 2000;

/**
 * Starts the worker code in a node:worker_threads worker from `entry`, a
 * URL that runs the code given as `workerData` (see source_url.ts), with
 * heap and stack limits.
 *
 * `closePort`: `workerData` is `{ source, close }` instead, and `entry`
 * ends the thread with `process.exit()` on a message on `close` (Node, whose
 * `terminate()` drops what the worker printed but had not yet handed to the
 * main thread; an exit hands it over first).
 */
export function startNodeWorker(
  entry: URL | string,
  start: ThreadStart,
  closePort = false,
): Transport {
  const { source, name, results, exit, limits } = start;
  const close = closePort ? new MessageChannel() : undefined;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const worker = new NodeWorker(entry, {
    name,
    workerData: close ? { source, close: close.port2 } : source,
    ...(close ? { transferList: [close.port2 as never] } : {}),
    ...(typeof entry === "string" ? { eval: true } : {}),
    ...(limits ? { resourceLimits: limits } : {}),
  });
  let error: unknown;
  worker.on("message", (message) => results.onMessage(message));
  // After the "message" listener: adding one refs Node's worker again, so an
  // idle worker (minWorkers) that never ran a task kept the program alive.
  worker.unref();
  worker.postMessage(results.setup, [results.setup[0] as never]);
  worker.on("error", (e) => (error ??= e));
  worker.on("exit", (code) => {
    close?.port1.close();
    clearTimeout(grace);
    // With resourceLimits, a worker out of heap ends alone, with this code;
    // without them it would have ended the whole program.
    const oom = (error as { code?: unknown } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
    exit({
      code,
      signal: null,
      error,
      ...(oom ? { reason: "ran out of memory (resourceLimits)" } : {}),
    });
  });
  return {
    send: (message: ToWorker, transfer?: Transferable[]) =>
      transfer ? worker.postMessage(message, transfer as never) : worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: (how) => {
      if (how !== "close" || !close) return void worker.terminate();
      // An idle worker (shutdown, retired) exits by itself; one that a
      // task's stray timer keeps busy is terminated after a grace period.
      close.port1.postMessage(null);
      grace ??= setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    },
  };
}
