// Copyright 2026 the @concurrent/futures authors. MIT license.
// The bound on an executor's waiting tasks (maxQueue), shared by every
// executor that has a local queue: a count kept as tasks come and go (so
// reading it costs nothing whatever the backlog), the refusal beyond the
// limit, and the two water marks a producer waits on. Pool-free: the pools
// keep their count in _pool/queue.ts, and any executor with a backlog of
// its own (unacknowledged submits, say) can keep one the same way.

import { QueueFullError } from "./errors.ts";
import { describe } from "./validate.ts";

/**
 * What a producer waits on: `full` once the backlog reached its high mark,
 * until it falls below the low one. `map` submits while it is not full and
 * otherwise waits for `onReady`, so it never meets {@linkcode QueueFullError}.
 */
export interface Gate {
  /** True from the high mark until the backlog is below the low mark. */
  readonly full: boolean;
  /**
   * Calls `listener` once, in a microtask, after the next crossing below the
   * low mark. Returns a function that removes it.
   */
  onReady(listener: () => void): () => void;
}

/**
 * Counts an executor's waiting tasks against `limit` (the high-water mark).
 * `full` turns on when the count reaches the limit and off only when it is
 * back below the low-water mark, half the limit: a producer woken by "ready"
 * has room for half a queue, not for one task at a time.
 */
export class Backlog implements Gate {
  /** The most tasks that may wait: `maxQueue`. */
  readonly limit: number;
  /** `full` turns off below this many waiting tasks. */
  readonly low: number;
  /**
   * Told of each crossing (true: the high mark was reached; false: back
   * below the low mark), in a microtask and in order. Set by the owner only
   * when someone listens, so a backlog nobody watches allocates nothing.
   */
  onCrossing: ((full: boolean, size: number) => void) | undefined;
  readonly #refusal: string;
  #size = 0;
  #full = false;
  #waiters: (() => void)[] | undefined;

  /**
   * @param limit The most tasks that may wait (a positive integer or Infinity).
   * @param what Names the executor in the refusal, as "thread pool".
   * @param waiting What the tasks wait for, in the refusal.
   */
  constructor(limit: number, what: string, waiting = "waiting for a worker") {
    this.limit = limit;
    this.low = Math.ceil(limit / 2);
    this.#refusal =
      `Cannot submit task: the ${what}'s queue is full (maxQueue is ${limit} tasks ${waiting})`;
  }

  /** How many tasks wait now. */
  get size(): number {
    return this.#size;
  }

  /** True from the high mark until the backlog is below the low mark. */
  get full(): boolean {
    return this.#full;
  }

  /** Throws {@linkcode QueueFullError} when one more task would exceed the limit. */
  admit(): void {
    if (this.#size >= this.limit) throw new QueueFullError(this.#refusal);
  }

  /** One more task waits (it may exceed the limit: a task given back). */
  add(): void {
    if (++this.#size >= this.limit && !this.#full) {
      this.#full = true;
      this.#tell(true);
    }
  }

  /** `count` tasks stopped waiting: sent to a worker, cancelled, failed. */
  remove(count = 1): void {
    this.#size -= count;
    if (this.#full && this.#size < this.low) {
      this.#full = false;
      this.#tell(false);
      const waiters = this.#waiters;
      this.#waiters = undefined;
      // Not now: the owner may be in the middle of moving tasks, and a
      // waiter that submits at once would change its queue under it.
      if (waiters) queueMicrotask(() => waiters.forEach((waiter) => waiter()));
    }
  }

  /** Resolves at once when not full, else after the next crossing below the low mark. */
  whenReady(): Promise<void> {
    if (!this.#full) return Promise.resolve();
    return new Promise((resolve) => this.onReady(resolve));
  }

  onReady(listener: () => void): () => void {
    (this.#waiters ??= []).push(listener);
    return () => {
      const at = this.#waiters?.indexOf(listener) ?? -1;
      if (at >= 0) this.#waiters!.splice(at, 1);
    };
  }

  #tell(full: boolean): void {
    const told = this.onCrossing;
    if (!told) return;
    const size = this.#size;
    queueMicrotask(() => told(full, size));
  }
}

/**
 * Checks the `maxQueue` option: a positive integer or `Infinity`, else
 * `fallback`.
 */
export function checkMaxQueue(value: unknown, fallback: number, action: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: maxQueue must be a positive integer or Infinity, received ${
        describe(value)
      }`,
    );
  }
  if (value !== Infinity && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(
      `Cannot ${action}: maxQueue must be a positive integer or Infinity, received ${value}`,
    );
  }
  return value;
}
