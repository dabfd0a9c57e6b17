// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread on the web Worker: Bun's, which has ref()/unref() and a
// `close` event (see bun/adapter.ts), and Deno's, which has neither in its
// public API (see deno/adapter.ts for how it does without them).

import type { Transferable } from "../_future/call.ts";
import type { Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import { isExiting } from "../_wire/thread_exit.ts";
import type { ThreadStart } from "./adapter.ts";
import { blobUrl } from "./source_url.ts";

/** How one runtime's web Worker is held and seen to end. */
export interface WebWorkerKind {
  /**
   * Lets `worker` keep the program alive (`true`) or not; called only when
   * that changes, starting from `true`.
   */
  setRef(worker: Worker, ref: boolean): void;
  /**
   * Whether the runtime fires `close` when a worker ends (Bun). If not
   * (Deno), a worker's end is its ExitingMessage (_wire/thread_exit.ts) or
   * an error event: Deno ends a worker on an error it did not handle.
   */
  closeEvent: boolean;
}

// Bun's Worker has ref()/unref(); the standard type has neither (and Bun's
// own types declare them, so this adds them without redeclaring them).
type UnrefWorker = Worker & { ref?(): void; unref?(): void };

/** Bun's web Worker: ref()/unref() and a `close` event. */
export const BUN_WORKER: WebWorkerKind = {
  setRef: (worker: UnrefWorker, ref) => ref ? worker.ref?.() : worker.unref?.(),
  closeEvent: true,
};

let entry: string | undefined;

/**
 * Starts the worker code as a module in a web Worker, from a blob: URL made
 * once. Limits are ignored (web Workers take none).
 */
export function startWebWorker(start: ThreadStart, kind = BUN_WORKER): Transport {
  const { source, name, results } = start;
  entry ??= blobUrl(source);
  const worker = new Worker(entry, { type: "module", name });
  let refed = true;
  const setRef = (ref: boolean) => {
    if (refed !== ref) kind.setRef(worker, refed = ref);
  };
  setRef(false);
  let error: unknown;
  let ended = false;
  // Once, however it ended: a Deno worker that is still running (a busy
  // thread Deno cannot stop) must not keep the program alive.
  const exit = (code: number | null) => {
    if (ended) return;
    ended = true;
    if (!kind.closeEvent) worker.terminate();
    setRef(false);
    start.exit({ code, signal: null, error });
  };
  worker.onmessage = (event) => {
    if (!kind.closeEvent && isExiting(event.data)) return exit(event.data[1]);
    results.onMessage(event.data);
  };
  worker.postMessage(results.setup, [results.setup[0]]);
  worker.onerror = (event) => {
    event.preventDefault(); // never let a worker's error end the process
    error ??= new Error(event.message);
    if (!kind.closeEvent) exit(1);
  };
  worker.addEventListener("close", (event) => exit((event as CloseEvent).code ?? null));
  return {
    send: (message: ToWorker, transfer?: Transferable[]) =>
      transfer ? worker.postMessage(message, transfer as never) : worker.postMessage(message),
    ref: () => setRef(true),
    unref: () => setRef(false),
    stop: () => {
      worker.terminate();
      // terminate() fires no close event: report the exit ourselves.
      queueMicrotask(() => exit(null));
    },
  };
}
