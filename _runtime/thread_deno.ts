// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread in Deno: a node:worker_threads Worker (see thread_transport.ts
// for why not Deno's web Worker).

import { Worker as NodeWorker } from "node:worker_threads";
import type { Transferable } from "../_future/call.ts";
import type { ExitStatus, Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { ResultPort } from "./thread_results.ts";
import { RUN_WORKER_DATA } from "./source_url.ts";

/** Per-worker heap and stack limits in MiB, as node:worker_threads takes them. */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number | undefined;
  maxYoungGenerationSizeMb?: number | undefined;
  codeRangeSizeMb?: number | undefined;
  stackSizeMb?: number | undefined;
}

/**
 * Starts the worker code `source` in a node:worker_threads worker named
 * `name` (see source_url.ts for how), with heap and stack `limits`.
 */
export function startNodeWorker(
  source: string,
  name: string,
  results: ResultPort,
  exit: (status: ExitStatus) => void,
  limits?: ResourceLimits,
): Transport {
  const worker = new NodeWorker(new URL(RUN_WORKER_DATA), {
    name,
    workerData: source,
    ...(limits ? { resourceLimits: limits } : {}),
  });
  worker.unref();
  let error: unknown;
  worker.on("message", (message) => results.onMessage(message));
  worker.postMessage(results.setup, [results.setup[0] as never]);
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
    send: (message: ToWorker, transfer?: Transferable[]) =>
      transfer ? worker.postMessage(message, transfer as never) : worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => void worker.terminate(),
  };
}
