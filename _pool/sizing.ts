// Copyright 2026 the @concurrent/futures authors. MIT license.
// Sizing: how many workers the pool runs. As in CPython, a worker is started
// per submit while none is idle, up to maxWorkers; minWorkers are started at
// once and replaced when one retires; one above minWorkers that idles
// idleTimeout ms exits, and the pool grows again on demand. A worker that
// cannot load a task module submitted after it started retires. The Pool
// starts and registers workers (`start`); this room says when.

import type { TaskQueue } from "./queue.ts";
import type { WorkerHandle } from "./worker_handle.ts";

/** What sizing is given once, at the pool's construction. */
export interface SizingSetup {
  /** The pool's workers. */
  readonly workers: ReadonlySet<WorkerHandle>;
  /** The pool's queue: a worker is started while it holds more than the idle ones take. */
  readonly queue: TaskQueue;
  readonly maxWorkers: number;
  /** @default {0} */
  readonly minWorkers: number | undefined;
  /** Milliseconds; @default {Infinity} */
  readonly idleTimeout: number | undefined;
  /** Starts one worker; the pool adds it to `workers` (or breaks). */
  readonly start: () => void;
  /** Whether the pool was shut down. */
  readonly shutDown: () => boolean;
  /** Whether the pool is broken. */
  readonly broken: () => boolean;
}

/** Decides when the pool starts and ends workers. */
export class Sizing {
  readonly #workers: ReadonlySet<WorkerHandle>;
  readonly #queue: TaskQueue;
  readonly #max: number;
  readonly #min: number;
  readonly #idleTimeout: number;
  readonly #start: () => void;
  readonly #shutDown: () => boolean;
  readonly #broken: () => boolean;

  constructor(setup: SizingSetup) {
    this.#workers = setup.workers;
    this.#queue = setup.queue;
    this.#max = setup.maxWorkers;
    this.#min = setup.minWorkers ?? 0;
    this.#idleTimeout = setup.idleTimeout ?? Infinity;
    this.#start = setup.start;
    this.#shutDown = setup.shutDown;
    this.#broken = setup.broken;
  }

  /** After a submit: as CPython, starts a worker while none is idle, up to the max. */
  grow(): void {
    if (this.#workers.size >= this.#max) return;
    let idle = 0;
    for (const w of this.#workers) {
      if (w.state === "running" && w.live === 0) idle++;
    }
    if (this.#queue.length > idle) this.#start();
  }

  /**
   * Starts workers up to minWorkers: at construction, and when one below it
   * retires (maxTasksPerChild, a module it cannot load).
   */
  keepMinimum(): void {
    while (!this.#shutDown() && !this.#broken() && this.#active() < this.#min) this.#start();
  }

  /**
   * After `w` reported: one with nothing left retires if it was retiring,
   * or starts its idle clock.
   */
  reported(w: WorkerHandle): void {
    if (w.live > 0) return;
    if (w.state === "retiring") w.stop("close");
    else if (w.state === "running") this.#armIdleTimer(w);
  }

  /** `w` was sent tasks, or exited: its idle clock stops. */
  clearIdle(w: WorkerHandle): void {
    if (w.idleTimer === undefined) return;
    clearTimeout(w.idleTimer);
    w.idleTimer = undefined;
  }

  /**
   * A worker that cannot load a module first submitted after it started
   * takes no more tasks; one started with the module replaces it, as a
   * worker retired by maxTasksPerWorker is replaced.
   */
  retireUncovered(module: string): void {
    for (const w of this.#workers) {
      if (w.state !== "running" || w.transport.covers?.(module) !== false) continue;
      w.state = "retiring";
      if (w.live === 0) w.stop("close");
    }
  }

  // Workers that are not on their way out.
  #active(): number {
    let n = 0;
    for (const w of this.#workers) if (w.state === "running" || w.state === "retiring") n++;
    return n;
  }

  // A worker above minWorkers that idles idleTimeout ms exits (unref'd: an
  // idle pool never keeps the program alive); the pool grows again on demand.
  #armIdleTimer(w: WorkerHandle): void {
    const timeout = this.#idleTimeout;
    if (timeout === Infinity || w.idleTimer !== undefined || this.#shutDown()) return;
    w.idleTimer = setTimeout(() => {
      w.idleTimer = undefined;
      if (
        w.state === "running" && w.live === 0 && !this.#broken() && this.#active() > this.#min
      ) {
        w.stop("close");
      }
    }, timeout);
    unrefTimer(w.idleTimer);
  }
}

// Deno's timers are numbers, unref'd through Deno.unrefTimer; Bun's and
// Node's are objects with unref().
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer);
  } else (timer as { unref?: () => void }).unref?.();
}
