// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread in Deno: a node:worker_threads Worker (see thread_transport.ts
// for why not Deno's web Worker).

import { Worker as NodeWorker } from "node:worker_threads";
import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";

/** Per-worker heap and stack limits in MiB, as node:worker_threads takes them. */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number | undefined;
  maxYoungGenerationSizeMb?: number | undefined;
  codeRangeSizeMb?: number | undefined;
  stackSizeMb?: number | undefined;
}

/** Starts `entry` as a node:worker_threads worker named `name`. */
export function startNodeWorker(
  entry: URL,
  name: string,
  events: TransportEvents,
  exit: (status: ExitStatus) => void,
  limits?: ResourceLimits,
): Transport {
  const worker = new NodeWorker(entry, { name, ...(limits ? { resourceLimits: limits } : {}) });
  worker.unref();
  let error: unknown;
  worker.on("message", (message) => events.message(message));
  worker.on("error", (e) => (error ??= e));
  worker.on("exit", (code) => {
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
    send: (message: ToWorker) => worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => void worker.terminate(),
  };
}
