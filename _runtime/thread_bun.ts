// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread in Bun: the web Worker, which in Bun has ref()/unref() and a
// `close` event (see thread_transport.ts).

import type { Transferable } from "../_future/call.ts";
import type { ExitStatus, Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { ResultPort } from "./thread_results.ts";
import { blobUrl } from "./source_url.ts";

interface BunWorker extends Worker {
  ref(): void;
  unref(): void;
}

let entry: string | undefined;

/**
 * Starts the worker code `source` as a module in a web Worker named `name`,
 * from a blob: URL made once.
 */
export function startWebWorker(
  source: string,
  name: string,
  results: ResultPort,
  exit: (status: ExitStatus) => void,
): Transport {
  entry ??= blobUrl(source);
  const worker = new Worker(entry, { type: "module", name }) as BunWorker;
  worker.unref();
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
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => {
      worker.terminate();
      // terminate() fires no close event: report the exit ourselves.
      queueMicrotask(() => exit({ code: null, signal: null, error }));
    },
  };
}
