// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread in Deno: a node:worker_threads Worker (see thread_transport.ts
// for why not Deno's web Worker).

import { Worker as NodeWorker } from "node:worker_threads";
import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";

/** Starts `entry` as a node:worker_threads worker named `name`. */
export function startNodeWorker(
  entry: URL,
  name: string,
  events: TransportEvents,
  exit: (status: ExitStatus) => void,
): Transport {
  const worker = new NodeWorker(entry, { name });
  worker.unref();
  let error: unknown;
  worker.on("message", (message) => events.message(message));
  worker.on("error", (e) => (error ??= e));
  worker.on("exit", (code) => exit({ code, signal: null, error }));
  return {
    send: (message: ToWorker) => worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => void worker.terminate(),
  };
}
