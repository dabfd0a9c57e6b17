// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool thread on this runtime's backend (the adapter's
// `startThread`; see ARCHITECTURE.md, "Runtime facts", for the measurements
// behind each choice). Either way the thread runs the worker code from text,
// never from this package's files (see source_url.ts).

import type { Transferable } from "../_future/call.ts";
import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { ResourceLimits } from "./adapter.ts";
import { packChunkNumbers } from "./chunk_numbers.ts";
import { adapter } from "./current.ts";
import { ResultPort } from "./thread_results.ts";
import { THREAD_SOURCE } from "./thread_source.generated.ts";

export type { ResourceLimits } from "./adapter.ts";

/**
 * Starts one worker thread running `_worker/thread_entry.ts`, bundled, with
 * `limits` where the runtime honours them (Deno, Node; Bun's workers ignore
 * them).
 */
export function startThread(
  name: string,
  events: TransportEvents,
  limits?: ResourceLimits,
): Transport {
  let exited = false;
  // The worker's messages come over its result port (thread_results.ts).
  const results = new ResultPort((message) => events.message(message), adapter.resultsMapped);
  const exit = (status: ExitStatus) => {
    if (exited) return;
    exited = true;
    results.close(); // every message before the exit
    events.exit(status);
  };
  try {
    const transport = adapter.startThread({ source: THREAD_SOURCE, name, results, exit, limits });
    const send = transport.send;
    transport.send = (message, transfer) => send(message, packed(message, transfer));
    return transport;
  } catch (error) {
    // Report a failed start the way a death is reported, never as a throw.
    queueMicrotask(() => exit({ code: null, signal: null, error }));
    return { send() {}, ref() {}, unref() {}, stop() {} };
  }
}

// A run message's numeric map chunks cross as one transferred Float64Array
// (chunk_numbers.ts). Returns the transfer list with its buffer.
function packed(message: ToWorker, transfer?: Transferable[]): Transferable[] | undefined {
  const numbers = packChunkNumbers(message, false);
  return numbers ? [...(transfer ?? []), numbers.buffer] : transfer;
}
