// Copyright 2026 the @concurrent/futures authors. MIT license.
// The main thread's side of a pool thread's result ring and port (see
// _wire/result_ring.ts for the scheme and the measurements behind it): on a
// doorbell, take every message in order, plain results from shared memory,
// the rest from the port with receiveMessageOnPort (synchronous; it works on
// a web MessagePort in both runtimes). Messages wait on the port after the
// thread exits, and the ring is ours, so an exit first takes what is left.

import { receiveMessageOnPort } from "node:worker_threads";
import {
  DONE_BUSY,
  DONE_RESULTS,
  type DoneMessage,
  FROM_TYPE,
  Msg,
  RESULT_STATUS,
  RESULT_STRIDE,
  RESULT_VALUE,
  Status,
} from "../_wire/protocol.ts";
import { unpackNumbers } from "../_wire/pool_arrays.ts";
import {
  DOORBELL,
  ENTRIES_AT,
  ENTRY,
  FLAG,
  PACKED,
  READ,
  resultBuffer,
  type ResultsSetup,
  RING,
  TOKEN,
  WRITTEN,
} from "../_wire/result_ring.ts";

/** The main thread's end of one thread's result ring and port. */
export class ResultPort {
  readonly #port: MessagePort;
  readonly #words: Int32Array;
  readonly #entries: Float64Array;
  #read = 0;
  #closed = false;
  /** Sent to the thread first, with the port in the transfer list. */
  readonly setup: ResultsSetup;
  readonly deliver: (message: unknown) => void;
  readonly mapped: boolean;

  /**
   * `mapped`: the thread posts each port message in a Map (Deno; see
   * `ResultsSetup`).
   */
  constructor(deliver: (message: unknown) => void, mapped: boolean) {
    this.deliver = deliver;
    this.mapped = mapped;
    const { port1, port2 } = new MessageChannel();
    const shared = resultBuffer();
    this.#port = port1;
    this.#words = new Int32Array(shared, 0, ENTRIES_AT / Int32Array.BYTES_PER_ELEMENT);
    this.#entries = new Float64Array(shared, ENTRIES_AT);
    this.setup = [port2, shared, mapped];
  }

  /** A message on the thread's own channel: a doorbell, or a task's own. */
  onMessage(message: unknown): void {
    if (this.#closed) return; // nothing after the exit (TransportEvents)
    this.drain();
    if (message !== DOORBELL) this.deliver(message);
  }

  /** Delivers, in order, every message the thread has posted so far. */
  drain(): void {
    const words = this.#words;
    Atomics.store(words, FLAG, 0); // before reading: later news rings again
    for (;;) {
      // The count first: a port message not seen after it follows every
      // entry it counts.
      const written = Atomics.load(words, WRITTEN);
      const got = receiveMessageOnPort(this.#port as never) as { message: unknown } | undefined;
      if (got) {
        const [at, message] = this.mapped
          ? (got.message as Map<number, unknown>).entries().next().value!
          : [(got.message as unknown[]).pop() as number, got.message];
        this.#take(at); // the entries before it
        this.deliver(unpacked(message));
      } else if (!this.#take(written)) return;
    }
  }

  /** The thread has exited: delivers what it posted last, then lets go. */
  close(): void {
    if (this.#closed) return;
    this.drain();
    this.#closed = true;
    this.#port.close();
  }

  // Delivers the ring's entries up to `end` as one done message (they are
  // in order, and the pool settles them one by one); false if none.
  #take(end: number): boolean {
    let read = this.#read;
    if (read === end) return false;
    const entries = this.#entries;
    const message: DoneMessage = [this.#words[TOKEN]! >>> 0, Msg.Done, 0];
    let busy = 0;
    for (; read !== end; read = (read + 1) | 0) {
      const at = (read & (RING - 1)) * ENTRY;
      const status = entries[at + 1] as Status;
      message.push(entries[at], status, status === Status.Ok ? entries[at + 2] : null);
      busy += entries[at + 3]!;
    }
    message[DONE_BUSY] = busy;
    this.#read = read;
    Atomics.store(this.#words, READ, read); // the thread may reuse them
    this.deliver(message);
    return true;
  }
}

// A done message's packed results (PACKED, from thread_outbox.ts) as the
// arrays of numbers they stand for, in place: the message is ours.
function unpacked(message: unknown): unknown {
  const done = message as unknown[];
  if (!Array.isArray(done) || done[FROM_TYPE] !== Msg.Done) return message;
  for (let at = DONE_RESULTS; at < done.length; at += RESULT_STRIDE) {
    const value = done[at + RESULT_VALUE];
    if (done[at + RESULT_STATUS] === PACKED && value instanceof Float64Array) {
      done[at + RESULT_STATUS] = Status.Ok;
      done[at + RESULT_VALUE] = unpackNumbers(value);
    }
  }
  return message;
}
