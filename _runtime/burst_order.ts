// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's side of a child's bursts (`_worker/burst_log.ts`): results come
// on fd 4 from the child's main thread and on fd 5 from its protocol thread,
// possibly twice, and the two pipes are read in any order. This puts them
// back in the child's order and passes each result on once, as Done
// messages; the child's other messages pass as they come on fd 4.
//
// fd 4 alone is complete and in order (the main thread sends every result
// from the last one it sent itself); a burst from fd 5 can only bring some
// sooner. So a burst from fd 4 is passed on at once, less what was passed;
// one from fd 5 waits until the results before it and the main thread's
// messages it follows (`after`) have been passed, or is dropped once fd 4
// has brought all of it.

import {
  BURST_AFTER,
  BURST_FIRST,
  BURST_RESULTS,
  DONE_BUSY,
  FROM_TYPE,
  Msg,
  RESULT_STRIDE,
} from "../_wire/protocol.ts";

/** Puts one child's messages from fd 4 and fd 5 back in order. */
export class BurstOrder {
  readonly #deliver: (message: unknown[]) => void;
  // Results passed on, and the child's other messages passed on (wrapping
  // 32-bit counts, as the child keeps them).
  #next = 0;
  #others = 0;
  #early: unknown[][] = [];
  // Busy time of bursts with nothing new, added to the next passed on.
  #busy = 0;
  /**
   * The child's token, from the Init message the pool sends it: a message
   * without it is a task's own, passed on untouched (the pool ignores it).
   */
  token: number | undefined;

  /**
   * `deliver` gets each message in the child's order. `start`: the child's
   * first sequence number (0; tests start near the wrap).
   */
  constructor(deliver: (message: unknown[]) => void, start = 0) {
    this.#deliver = deliver;
    this.#next = start | 0;
  }

  /** A message read on fd 4, from the child's main thread. */
  fromMain(message: unknown[]): void {
    if (message[0] !== this.token) return this.#deliver(message);
    if (message[FROM_TYPE] !== Msg.Burst) {
      this.#deliver(message);
      this.#others = (this.#others + 1) | 0;
    } else {
      this.#pass(message);
    }
    this.#catchUp();
  }

  /** A burst read on fd 5, from the child's protocol thread. */
  fromThread(message: unknown[]): void {
    if (message[0] !== this.token || message[FROM_TYPE] !== Msg.Burst) {
      throw new TypeError("A child's protocol thread sent a message that is not a burst");
    }
    if (this.#due(message)) {
      this.#pass(message);
      this.#catchUp();
    } else if (this.#behind(message) < this.#count(message)) {
      this.#early.push(message);
    }
  }

  // Passes on the results of `burst` not passed yet.
  #pass(burst: unknown[]): void {
    const behind = this.#behind(burst);
    const count = this.#count(burst);
    if (behind < 0) throw new TypeError("A child skipped results in its bursts");
    this.#busy += burst[DONE_BUSY] as number;
    if (behind >= count) return;
    // The burst becomes the Done message, in place: a copy of a long array
    // costs more than moving its tail.
    const skip = 2 + behind * RESULT_STRIDE;
    burst[FROM_TYPE] = Msg.Done;
    burst[DONE_BUSY] = this.#busy;
    this.#busy = 0;
    burst.copyWithin(BURST_FIRST, BURST_FIRST + skip);
    burst.length -= skip;
    this.#next = (this.#next + count - behind) | 0;
    this.#deliver(burst);
  }

  // Bursts from fd 5 that waited, now due; those fd 4 overtook, dropped.
  #catchUp(): void {
    for (let i = 0; i < this.#early.length;) {
      const burst = this.#early[i]!;
      if (this.#behind(burst) >= this.#count(burst)) this.#early.splice(i, 1);
      else if (this.#due(burst)) {
        this.#early.splice(i, 1);
        this.#pass(burst);
        i = 0;
      } else i++;
    }
  }

  #due(burst: unknown[]): boolean {
    const after = burst[BURST_AFTER] as number;
    return this.#behind(burst) >= 0 && ((this.#others - after) | 0) >= 0;
  }

  // How many of its results were passed on already (negative: it is early).
  #behind(burst: unknown[]): number {
    return (this.#next - (burst[BURST_FIRST] as number)) | 0;
  }

  #count(burst: unknown[]): number {
    return (burst.length - BURST_RESULTS) / RESULT_STRIDE;
  }
}
