// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool thread on this runtime's backend (the adapter's
// `startThread`; see ARCHITECTURE.md, "Runtime facts", for the measurements
// behind each choice). Either way the thread runs the worker code from text,
// never from this package's files (see source_url.ts).

import type { Transferable } from "../_future/call.ts";
import type { ExitStatus, Transport, TransportEvents } from "../_pool/transport.ts";
import { allNumbers } from "../_wire/pool_arrays.ts";
import {
  Msg,
  RUN_TASKS,
  TASK_ARGC,
  TASK_ARGS,
  TASK_KIND,
  TaskKind,
  type ToWorker,
} from "../_wire/protocol.ts";
import type { ResourceLimits } from "./adapter.ts";
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

// Packs, in place, the arguments of each map chunk in a run message that are
// all numbers (see pool_arrays.ts) into views of one Float64Array: the
// runner reads a view as it reads the array. Returns the transfer list with
// its buffer. One buffer, not one per chunk: Deno took 0.94 ms to send and
// answer 100 chunks of 1000 in 100 buffers, 0.14 ms in one. The message is
// the dispatcher's, made for this send; the jobs keep their arrays.
function packed(message: ToWorker, transfer?: Transferable[]): Transferable[] | undefined {
  if (message[0] !== Msg.Run) return transfer;
  const chunks: number[] = []; // where each numeric chunk's arguments are
  let total = 0;
  for (
    let at = RUN_TASKS;
    at < message.length;
    at += TASK_ARGS + (message[at + TASK_ARGC] as number)
  ) {
    if (message[at + TASK_KIND] !== TaskKind.Chunk) continue;
    const args = message[at + TASK_ARGS + 1] as unknown[];
    if (!allNumbers(args)) continue;
    chunks.push(at + TASK_ARGS + 1);
    total += args.length;
  }
  if (chunks.length === 0) return transfer;
  const numbers = new Float64Array(total);
  let end = 0;
  for (const at of chunks) {
    const args = message[at] as number[];
    numbers.set(args, end);
    message[at] = numbers.subarray(end, end += args.length);
  }
  return [...(transfer ?? []), numbers.buffer];
}
