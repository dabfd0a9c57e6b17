// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's handle on one worker (a thread or a child process): what it has
// in flight, which functions it knows, how many tasks to send it ahead, and
// the transport under it.

import type { Future, StartProbe } from "../_future/future.ts";
import { Deque } from "../_util/deque.ts";
import { Slot, SLOTS, type TaskKind } from "../_wire/protocol.ts";
import type { JobCall } from "./stop.ts";
import type { Transport } from "./transport.ts";

/** A submitted task as the pool tracks it. */
export interface Job {
  readonly id: number;
  readonly future: Future<unknown>;
  readonly fnId: number;
  readonly kind: TaskKind;
  readonly args: unknown[];
  /** Per-call options (`executor.with()`); undefined for a plain submit. */
  readonly call: JobCall | undefined;
  /** When it was queued, while stats record wait times; else 0. */
  queuedAt: number;
}

// Send a worker about this much work ahead, so it never waits for the main
// thread between tiny tasks, yet a slow task holds little behind it.
const AHEAD_MS = 2;
// Below this many milliseconds per task, keep one more task waiting in the
// worker: it would otherwise idle for a round trip (0.3–0.8 ms measured when
// both sides are parked) between tasks. Above it, that round trip costs under
// 1%, and a long task holds nothing behind it.
const SEND_AHEAD_BELOW_MS = 50;
// A worker silent this long (or 8 task-times) is busy with a long task: send
// it nothing more until it reports.
const STALL_MS = 5;

/** The pool's handle on one worker. */
export class WorkerHandle {
  readonly inflight: Deque<Job> = new Deque();
  readonly known: Set<number> = new Set();
  /** "running" takes tasks; "retiring" finishes its own; "stopping" is ending. */
  state: "running" | "retiring" | "stopping" | "exited" = "running";
  /** Tasks ever sent, for maxTasksPerChild. */
  assigned = 0;
  /**
   * Starts every message of the protocol from this worker; random, so a
   * task's own messages (which cannot read it) are never taken for ours.
   */
  readonly token: number = crypto.getRandomValues(new Uint32Array(1))[0]!;
  /** When it started (performance.now()), for the pool's utilization. */
  readonly startedAt: number = performance.now();
  /** The running task it was stopped for (an abort or a time limit). */
  stoppedFor: Job | undefined;
  readonly #slots: Int32Array | null;
  #sent = 0;
  #estimate = NaN; // milliseconds per task, smoothed
  #lastProgress = 0;
  #refd = false;
  #transport: Transport | undefined;

  constructor(readonly name: string, sharedCancel: boolean) {
    this.#slots = sharedCancel
      ? new Int32Array(
        new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT),
      )
      : null;
  }

  /** The cancel ring shared with a thread worker, or null for processes. */
  get slots(): Int32Array | null {
    return this.#slots;
  }

  get transport(): Transport {
    return this.#transport!;
  }

  set transport(transport: Transport) {
    this.#transport = transport;
  }

  /** How many more tasks to send now. */
  capacity(now: number, maxTasks: number | undefined): number {
    if (this.state !== "running") return 0;
    const busy = this.inflight.length;
    if (
      busy > 0 &&
      now - this.#lastProgress > Math.max(STALL_MS, 8 * this.#estimate)
    ) {
      return 0;
    }
    // Until a task has been timed, assume it is slow: one at a time, exactly
    // as in Python, so nothing is sent ahead of an unknown task.
    const estimate = this.#estimate;
    let window = Number.isNaN(estimate) ? 1 : Math.min(
      SLOTS,
      Math.max(
        estimate < SEND_AHEAD_BELOW_MS ? 2 : 1,
        Math.floor(AHEAD_MS / Math.max(estimate, 1e-4)),
      ),
    );
    if (maxTasks !== undefined) {
      window = Math.min(window, maxTasks - this.assigned + busy);
    }
    return window - busy;
  }

  /**
   * Prepares the cancel ring for `count` tasks about to be sent and returns
   * the first slot; the worker claims slots in the same order.
   */
  reserveSlots(count: number): number {
    const first = this.#sent;
    if (this.#slots) {
      for (let i = 0; i < count; i++) {
        Atomics.store(this.#slots, (first + i) & (SLOTS - 1), Slot.Queued);
      }
    }
    return first;
  }

  /** Records tasks that were sent, after `send` succeeded. */
  sent(
    jobs: readonly Job[],
    firstSlot: number,
    now: number,
  ): StartProbe[] | undefined {
    if (this.inflight.length === 0) {
      this.#lastProgress = now;
      this.#setRef(true);
    }
    this.#sent = firstSlot + jobs.length;
    this.assigned += jobs.length;
    for (const job of jobs) this.inflight.push(job);
    const slots = this.#slots;
    if (!slots) return undefined;
    return jobs.map((_, i) => new SlotProbe(slots, (firstSlot + i) & (SLOTS - 1)));
  }

  /** Records a batch of results and the time the worker spent on them. */
  progressed(count: number, busy: number, now: number): void {
    this.#lastProgress = now;
    if (count > 0 && busy > 0) {
      const perTask = busy / count;
      this.#estimate = Number.isNaN(this.#estimate) ? perTask : (this.#estimate + perTask) / 2;
    }
    if (this.inflight.length === 0 && this.state === "running") {
      this.#setRef(false);
    }
  }

  /** Stops the worker; a stopping worker keeps the program alive until it exits. */
  stop(how: "close" | "SIGTERM" | "SIGKILL"): void {
    if (this.state === "stopping" || this.state === "exited") return;
    this.state = "stopping";
    this.#setRef(true);
    this.transport.stop(how);
  }

  /**
   * Before a worker is stopped for the task at the front of its in-flight
   * tasks: claims the cancel-ring slots of the tasks sent after it, so that
   * none of them starts on a thread that keeps running (Deno cannot stop a
   * thread busy in a synchronous loop) and each can go back to the queue.
   * Returns false if one has started already: the front task has finished
   * then, and there is nothing to stop. A process has no ring: true.
   */
  holdBack(): boolean {
    const slots = this.#slots;
    if (!slots) return true;
    // Results come back in order, so the tasks in flight are the last sent.
    const first = this.#sent - this.inflight.length;
    for (let i = 1; i < this.inflight.length; i++) {
      const slot = (first + i) & (SLOTS - 1);
      // The worker claims slots in order: once one was still queued, none
      // after it can have started, so a started one is only ever met first.
      const was = Atomics.compareExchange(slots, slot, Slot.Queued, Slot.Cancelled);
      if (was === Slot.Started) return false;
    }
    return true;
  }

  #setRef(on: boolean): void {
    if (this.#refd === on) return;
    this.#refd = on;
    if (on) this.transport.ref();
    else this.transport.unref();
  }
}

class SlotProbe implements StartProbe {
  constructor(readonly slots: Int32Array, readonly slot: number) {}
  started(): boolean {
    return Atomics.load(this.slots, this.slot) === Slot.Started;
  }
  cancel(): boolean {
    return Atomics.compareExchange(
      this.slots,
      this.slot,
      Slot.Queued,
      Slot.Cancelled,
    ) ===
      Slot.Queued;
  }
}
