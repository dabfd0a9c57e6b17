// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a pool thread's messages reach the main thread without waiting behind
// a task, yet without one message event per result (issue 12: results are
// never held; the tiny-task lead over a hand-written pool must stay).
//
// The thread writes each plain result (a number, `undefined`, a task it
// skipped) to a ring in shared memory, and posts anything else (a result
// that needs cloning or a transfer, an error, Fatal, InitFailed) on a
// MessagePort that nobody listens to on the main side, tagged with how many
// ring entries it follows. Then it sets a shared flag, and only when the
// flag was clear posts DOORBELL on its own channel: the main thread clears
// the flag, then takes everything in order, ring entries and port messages
// interleaved by that count (_runtime/thread_results.ts). What arrives while
// the flag is set is taken by the drain already due. A full ring is no
// hold-up: the result goes on the port.
//
// Measured with bench/result_channel_probe.ts (2 workers, x + 1 in batches of
// 1000, medians of 5, two runs each, Deno 2.9.6 / Bun 1.4.5, 2-core VM), in
// tasks/s:
//
//                                        Deno        Bun
//   raw ping-pong                        42–56k      249–304k
//   a postMessage per result (before)    89–100k     462–538k
//   port + doorbell                      90–134k     658–794k
//   port + Atomics.waitAsync doorbell    98–112k     680–870k
//   ring + doorbell (this)               759–971k    1214–1375k
//   one message per batch (held)         743–908k    867–1010k
//
// Deno's MessagePort costs about 5.5 µs to post and 5.5 µs to receive a
// small array (Bun's about 0.2 µs): only shared memory avoids it.
//
//   deno run -A bench/result_channel_probe.ts --rounds 5
//   bun bench/result_channel_probe.ts --rounds 5

import { SLOTS } from "./protocol.ts";

/** What a thread posts on its own channel when it has news for the pool. */
export const DOORBELL = 0x0d0e;

/**
 * Entries in a thread's result ring (32 bytes each: 128 KiB a thread): as
 * many as the tasks a thread can have in flight, so plain results never
 * overflow to the port. With 1024, the pool (which drained about 1600
 * results per doorbell in bench/run.ts's tiny workload) took some through
 * the port, which Deno's receive cost showed in profiles.
 */
export const RING = SLOTS;
/** Doubles per entry: task id, status, value (a number, or 0), busy ms. */
export const ENTRY = 4;

// Int32 words at the start of the shared buffer.
/** Set by the thread when it has posted news, cleared by the pool's drain. */
export const FLAG = 0;
/** Entries the thread has written (wraps as an int32). */
export const WRITTEN = 1;
/** Entries the pool has read (wraps as an int32). */
export const READ = 2;
/** The pool's token for this thread, as the thread writes it (uint32). */
export const TOKEN = 3;
/** Where the entries start, in bytes (after the four words). */
export const ENTRIES_AT = 16;

/**
 * A result status of the port only (never past thread_results.ts): the
 * value is a map chunk's results, all numbers, as a transferred
 * Float64Array (see pool_arrays.ts); the pool gets them back as Ok and an
 * array.
 */
export const PACKED = -1;

/** The buffer both sides share: the four words, then the entries. */
export function resultBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(ENTRIES_AT + RING * ENTRY * Float64Array.BYTES_PER_ELEMENT);
}

/**
 * A thread's first message from the pool: the port for messages that are
 * not plain results, the shared buffer, and whether to post on the port a
 * `Map` of the entry count to the message (Deno) instead of the message
 * with the count appended (Bun). Deno's receiveMessageOnPort walks every
 * property of what it receives, looking for ports to patch, and finds none
 * in a Map's entries: a map() chunk of 1000 numbers took 84–170 µs to post
 * and receive bare, 30–55 µs in a Map; in Bun the Map costs 1–2 µs more per
 * small message and saves nothing (the last rows of
 * bench/result_channel_probe.ts). Against the code before the ring, map()
 * on Deno went 0.81–0.86× bare and 0.98–1.05× in a Map.
 */
export type ResultsSetup = [port: MessagePort, shared: SharedArrayBuffer, mapped: boolean];
