// Copyright 2026 the @concurrent/futures authors. MIT license.
// How many tasks a worker node holds at once (worker.ts): one per slot,
// plus about AHEAD_MS of work per slot once tasks are known to be quick, so
// tiny tasks come in batches and long ones one per slot, leaving the rest of
// the queue to other nodes.

/** The most entries a node holds, or reads in one page. */
export const MAX_WINDOW = 512;
// Beyond one task per slot, a node holds about this much work per slot:
// enough to cover a read's round trip when tasks are quick.
const AHEAD_MS = 5;

/** A node's estimate of a task's cost, and the window it gives. */
export class Pace {
  readonly #concurrency: number;
  // Milliseconds of a slot one task takes here, and when the last task
  // here ended.
  #cost: number | undefined;
  #lastDone = 0;

  /** The pace of a node with `concurrency` slots. */
  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /**
   * Notes that a task ended. `started` is when it began if it found a free
   * slot; `busy` counts the tasks the node holds, this one included.
   *
   * Two estimates of a task's cost: its time from submit to outcome when it
   * found a free slot, and, while tasks wait for slots, the time between two
   * ends times the slots. The first starts the window growing; the second
   * follows the pool's real pace once it is saturated.
   */
  ended(started: number | undefined, busy: number): void {
    const now = performance.now();
    const concurrency = this.#concurrency;
    let sample: number | undefined;
    if (started !== undefined) sample = now - started;
    else if (busy > concurrency) sample = (now - this.#lastDone) * concurrency;
    this.#lastDone = now;
    if (sample === undefined) return;
    this.#cost = this.#cost === undefined ? sample : this.#cost * 0.9 + sample * 0.1;
  }

  /** How many tasks the node may hold now. */
  window(): number {
    const concurrency = this.#concurrency;
    // Until the cost is known, no more than the slots: a task claimed here
    // beyond them would wait in the local pool marked started, and be lost
    // (not handed to another node) if this node died meanwhile.
    if (this.#cost === undefined) return concurrency;
    const ahead = Math.floor((concurrency * AHEAD_MS) / Math.max(this.#cost, 0.001));
    return Math.min(MAX_WINDOW, concurrency + ahead);
  }
}
