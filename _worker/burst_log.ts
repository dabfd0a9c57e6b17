// Copyright 2026 the @concurrent/futures authors. MIT license.
// A child process's burst log: where its main thread puts each result the
// moment it has it, so that the result has left the main thread before the
// next task starts (the SPEC's "never held back") without a write per task.
// Results leave the process in bursts, one frame for many:
//
// - the main thread writes what the log holds on fd 4 when its turn ends
//   (the batch it runs is done, or a task awaits), after 256 results, or
//   when the log is full (child_outbox.ts);
// - the protocol thread (protocol_thread.ts) writes it on fd 5 when the
//   oldest result is HOLD_US old and the main thread has not: the main
//   thread is inside a long task (or a stream of tasks keeps its turn from
//   ending).
//
// Neither waits for the other and no lock decides who writes: both may send
// the same results, and the pool keeps each once (`_runtime/burst_order.ts`).
// Each burst says the sequence number of its first result (the results a
// child reports are numbered from 0 in the order it finished them) and, for
// one written by the thread, how many of the main thread's other messages
// (Ready, Fatal, …) stood before its results: the pool reads fd 4 and fd 5
// in any order and puts them back in this one. Since the main thread writes
// every result from the last one *it* sent, fd 4 alone is complete and in
// order; fd 5 only brings some of them sooner.
//
// A burst is a JSON message, [token, Msg.Burst, busy, first, after,
// ...results], the results `id, status, value` as in a Done message. The log
// keeps each result as its JSON text (",id,status,value", bytes in a ring)
// and, where each message of results the runner posted ends, the byte
// offset (`starts[count % length]`, the start of the result numbered
// `count`): both threads frame from and to such ends only, without parsing
// anything.
//
// Words of `control` (Int32, shared):
//   END         results put in the log (wrapping 32-bit counts)
//   MAIN_SENT   results the main thread wrote
//   THREAD_SENT results the thread wrote (after its write completed)
//   BYTES_END   bytes put in the log (wrapping)
//   WAKE        bumped to wake the thread while it sleeps (IDLE)
//   PENDING_AT  when the results waiting now began to wait (µs, wrapping;
//               set as a task starts behind them, so it may be older: the
//               thread also counts from when it first saw them)
//   EPOCH       the main thread's messages other than results, so far
//   BEAT        when the thread last looked at the log (µs, wrapping)
//   LOCK        0, or who is writing on fd 5 (1: thread, 2: main at exit)
//   IDLE        1 while the thread sleeps until WAKE changes
//
// The functions at the end are self-contained (no outside names but each
// other): the protocol thread runs them from their source text.

/** Index of each word of the control array. */
export const Word = {
  End: 0,
  MainSent: 1,
  ThreadSent: 2,
  BytesEnd: 3,
  Wake: 4,
  PendingAt: 5,
  Epoch: 6,
  Beat: 7,
  Lock: 8,
  Idle: 9,
} as const;
const WORDS = 10;

/** How long a result may wait in the log before it is written: 1 ms. */
export const HOLD_US = 1000;

/** The shared memory of one burst log. */
export interface BurstLogMemory {
  control: Int32Array;
  starts: Int32Array;
  bytes: Uint8Array;
  /** The main thread's `performance.timeOrigin`: both threads' clock. */
  origin: number;
}

/** Makes the shared memory of a burst log. */
export function makeBurstLog(results = 8192, bytes = 128 * 1024): BurstLogMemory {
  return {
    control: new Int32Array(new SharedArrayBuffer(WORDS * 4)),
    starts: new Int32Array(new SharedArrayBuffer(results * 4)),
    bytes: new Uint8Array(new SharedArrayBuffer(bytes)),
    origin: performance.timeOrigin,
  };
}

/**
 * Microseconds since the main thread's time origin, wrapping at 2^31 (every
 * 35 minutes): compare two with `(a - b) | 0`.
 */
export function clock(origin: number): number {
  return ((performance.timeOrigin - origin + performance.now()) * 1000) | 0;
}

/**
 * What either thread sent: the later of the main thread's count and `sent`,
 * the protocol thread's own (wrapping counts).
 */
export function sentBy(control: Int32Array, sent: number): number {
  const main = Atomics.load(control, 1);
  return ((main - sent) | 0) > 0 ? main : sent;
}

/**
 * Frames the results not yet sent as one burst: from `from` (the main
 * thread's own count of what it sent) or, when undefined, from what neither
 * thread has sent (`sent`: the thread's own count), to the newest. The frame
 * is a header (u32 length, u32 length ^ `check`, little-endian), the JSON
 * tag, then `[token,type,busy,first,after`, each result's text, then `]`.
 * Returns it and the count after its last result, or undefined when there is
 * nothing to send or the log no longer holds those results (the main thread
 * sent them and reused their room meanwhile).
 */
export function frameBurst(
  log: BurstLogMemory,
  from: number | undefined,
  sent: number,
  head: { token: number; type: number; busy: number },
  header: number,
  check: number,
  tag: number,
): { frame: Uint8Array; to: number } | undefined {
  const { control, starts, bytes } = log;
  const size = bytes.length;
  // The newest count first: the main thread moves MAIN_SENT past results
  // that are not in the log, and bumps EPOCH, before it moves END past them.
  const to = Atomics.load(control, 0);
  from ??= sentBy(control, sent);
  const after = Atomics.load(control, 6);
  const count = (to - from) | 0;
  if (count <= 0 || count >= starts.length) return undefined;
  const start = Atomics.load(starts, (from >>> 0) % starts.length);
  const end = Atomics.load(starts, (to >>> 0) % starts.length);
  const length = (end - start) | 0;
  if (length < 0 || length > size) return undefined;
  const prefix = `[${head.token},${head.type},${head.busy},${from >>> 0},${after}`;
  const payload = 1 + prefix.length + length + 1;
  const frame = new Uint8Array(header + payload);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload, true);
  view.setUint32(4, (payload ^ check) >>> 0, true);
  frame[header] = tag;
  for (let i = 0; i < prefix.length; i++) frame[header + 1 + i] = prefix.charCodeAt(i);
  const at = header + 1 + prefix.length;
  const offset = (start >>> 0) % size;
  const first = Math.min(length, size - offset);
  frame.set(bytes.subarray(offset, offset + first), at);
  if (first < length) frame.set(bytes.subarray(0, length - first), at + first);
  frame[frame.length - 1] = 93; // "]"
  // Still there after the copy? The main thread reuses room only for results
  // it sent, and a result's text only once the log has moved a whole ring
  // past it.
  const newest = Atomics.load(control, 0);
  const newestByte = Atomics.load(control, 3);
  if (((newest - from) | 0) >= starts.length || ((newestByte - start) | 0) > size) return undefined;
  return { frame, to };
}
