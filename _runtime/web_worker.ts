// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread on the web Worker, which in Bun has ref()/unref() and a
// `close` event (see bun/adapter.ts).

import type { Transferable } from "../_future/call.ts";
import type { Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { ThreadStart } from "./adapter.ts";
import { blobUrl } from "./source_url.ts";

// Bun's Worker has ref()/unref(); the standard type has neither (and Bun's
// own types declare them, so this adds them without redeclaring them).
type UnrefWorker = Worker & { ref?(): void; unref?(): void };

let entry: string | undefined;

/**
 * Starts the worker code as a module in a web Worker, from a blob: URL made
 * once. Limits are ignored (Bun's workers take none).
 */
export function startWebWorker(start: ThreadStart): Transport {
  const { source, name, results, exit } = start;
  entry ??= blobUrl(source);
  const worker = new Worker(entry, { type: "module", name }) as UnrefWorker;
  worker.unref?.();
  let error: unknown;
  worker.onmessage = (event) => results.onMessage(event.data);
  worker.postMessage(results.setup, [results.setup[0]]);
  worker.onerror = (event) => {
    event.preventDefault(); // never let a worker's error end the process
    error ??= new Error(event.message);
  };
  worker.addEventListener("close", (event) => {
    exit({ code: (event as CloseEvent).code ?? null, signal: null, error });
  });
  return {
    send: (message: ToWorker, transfer?: Transferable[]) =>
      transfer ? worker.postMessage(message, transfer as never) : worker.postMessage(message),
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
    stop: () => {
      worker.terminate();
      // terminate() fires no close event: report the exit ourselves.
      queueMicrotask(() => exit({ code: null, signal: null, error }));
    },
  };
}
