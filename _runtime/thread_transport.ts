// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool thread. The backend differs by runtime, for reasons measured
// in Deno 2.9.6 and Bun 1.4.5 (../shared/reference/runtimes.md §1):
//
// - Deno: node:worker_threads. Deno's web Worker has no unref(), so an idle
//   pool would keep every script alive forever, and it reports nothing when a
//   worker ends by itself (self.close(), Deno.exit()), so a dead worker would
//   leave futures pending. node:worker_threads has unref() and an `exit`
//   event, at the cost of a slower start (about 20 ms instead of 7.5 ms).
// - Bun: the web Worker. It has unref() and a `close` event with the exit
//   code, starts in 1.5 ms (node:worker_threads: 8 ms) and passes pipelined
//   messages faster (1.19 M/s against 0.83 M/s).

import { Worker as NodeWorker } from "node:worker_threads";
import type { ExitStatus, Transport, TransportEvents } from "../_pool/worker_handle.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import { runtime } from "./runtime.ts";

const ENTRY = new URL("../_worker/thread_entry.ts", import.meta.url);

/** Starts one worker thread running `_thread_entry.ts`. */
export function startThread(name: string, events: TransportEvents): Transport {
  let exited = false;
  const exit = (status: ExitStatus) => {
    if (exited) return;
    exited = true;
    events.exit(status);
  };
  try {
    return runtime === "deno"
      ? startNodeWorker(name, events, exit)
      : startWebWorker(name, events, exit);
  } catch (error) {
    // Report a failed start the way a death is reported, never as a throw.
    queueMicrotask(() => exit({ code: null, signal: null, error }));
    return { send() {}, ref() {}, unref() {}, stop() {} };
  }
}

function startNodeWorker(
  name: string,
  events: TransportEvents,
  exit: (status: ExitStatus) => void,
): Transport {
  const worker = new NodeWorker(ENTRY, { name });
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

interface BunWorker extends Worker {
  ref(): void;
  unref(): void;
}

function startWebWorker(
  name: string,
  events: TransportEvents,
  exit: (status: ExitStatus) => void,
): Transport {
  const worker = new Worker(ENTRY, { type: "module", name }) as BunWorker;
  worker.unref();
  let error: unknown;
  worker.onmessage = (event) => events.message(event.data);
  worker.onerror = (event) => {
    event.preventDefault(); // never let a worker's error end the process
    error ??= new Error(event.message);
  };
  worker.addEventListener("close", (event) => {
    exit({ code: (event as CloseEvent).code ?? null, signal: null, error });
  });
  return {
    send: (message: ToWorker) => worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => {
      worker.terminate();
      // terminate() fires no close event: report the exit ourselves.
      queueMicrotask(() => exit({ code: null, signal: null, error }));
    },
  };
}
