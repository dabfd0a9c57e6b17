// Copyright 2026 the @concurrent/futures authors. MIT license.
// A run message's map chunks whose arguments are all numbers, packed into
// views of one Float64Array (see _wire/pool_arrays.ts): the runner reads a
// view as it reads the array, so the worker code is the same either way.
//
// Threads send the buffer transferred (thread_transport.ts). A child's
// message then goes in the clone format instead of JSON (_wire/codec.ts),
// which for numbers is the cheaper one on every runtime: a run message of
// 20 chunks of 1000 numbers, through encodeMessage()/decodeMessage()
// (2-core VM, ns per number, Bun 1.4.5 / Deno 2.9.6 / Node 24.21):
//
//                 JSON                    packed, clone format
//   encode        13–14 / 17 / 23–27      4–5 / 10 / 2–5     (packing: ~1)
//   decode        10–11 / 9–10 / 13–15    0.6–0.7 / 1.0–1.2 / 2.7
//
// But the clone format is 5–10× dearer than JSON for many small values (the
// codec's table: 1000 tiny tasks), so a child's message is packed only when
// every task in it is such a chunk.

import { fillNumbers, MIN_PACKED } from "../_wire/pool_arrays.ts";
import {
  Msg,
  RUN_TASKS,
  TASK_ARGC,
  TASK_ARGS,
  TASK_KIND,
  TaskKind,
  type ToWorker,
} from "../_wire/protocol.ts";

/**
 * Packs, in place, the arguments of each chunk in `message` that are all
 * numbers into views of one Float64Array, which it returns (undefined when
 * nothing was packed). With `whole`, only when every task is such a chunk
 * (else the message is left as it was). The message must be the
 * dispatcher's, made for this send: the jobs keep their own arrays.
 */
export function packChunkNumbers(
  message: ToWorker,
  whole: boolean,
): Float64Array<ArrayBuffer> | undefined {
  if (message[0] !== Msg.Run) return undefined;
  const chunks: number[] = []; // where each chunk's arguments are
  let total = 0;
  for (
    let at = RUN_TASKS;
    at < message.length;
    at += TASK_ARGS + (message[at + TASK_ARGC] as number)
  ) {
    const args = message[at + TASK_KIND] === TaskKind.Chunk
      ? message[at + TASK_ARGS + 1] as unknown[]
      : undefined;
    if (args && args.length >= MIN_PACKED) {
      chunks.push(at + TASK_ARGS + 1);
      total += args.length;
    } else if (whole) return undefined;
  }
  if (chunks.length === 0) return undefined;
  // One buffer, not one per chunk: Deno took 0.94 ms to send a thread and
  // answer 100 chunks of 1000 in 100 buffers, 0.14 ms in one.
  const numbers = new Float64Array(total);
  const packed: number[] = []; // where each packed chunk is, and its view
  let end = 0;
  for (const at of chunks) {
    const args = message[at] as unknown[];
    if (fillNumbers(numbers, end, args)) packed.push(at, end, end += args.length);
    else if (whole) return undefined;
  }
  for (let i = 0; i < packed.length; i += 3) {
    message[packed[i]!] = numbers.subarray(packed[i + 1], packed[i + 2]);
  }
  return packed.length > 0 ? numbers : undefined;
}
