// Copyright 2026 the @concurrent/futures authors. MIT license.
// executor.stats(): the snapshot's shape, and the samples behind its
// percentiles. Counts are kept always (an integer add per result message);
// times are sampled only once someone has asked for stats, so a pool nobody
// watches reads no clock per task.

import type { TaskQueue } from "./queue.ts";
import type { WorkerHandle } from "./worker_handle.ts";

/**
 * Percentiles of a duration, in milliseconds, over the last tasks sampled
 * (up to 1024).
 *
 * @example
 * ```ts
 * import type { Percentiles } from "@concurrent/futures";
 *
 * const p: Percentiles = { samples: 3, p50: 1, p90: 2, p99: 2, max: 2 };
 * ```
 */
export interface Percentiles {
  /** How many tasks the figures cover. */
  readonly samples: number;
  /** The median. */
  readonly p50: number;
  /** The 90th percentile. */
  readonly p90: number;
  /** The 99th percentile. */
  readonly p99: number;
  /** The longest. */
  readonly max: number;
}

/**
 * A snapshot of a pool, from {@linkcode PoolExecutor.stats}: cheap enough to
 * poll. Once every future is done,
 * `completed + failed + cancelled === submitted`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type ExecutorStats } from "@concurrent/futures";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
 * await executor.submit(() => 1).result();
 * const stats: ExecutorStats = executor.stats();
 * assert.equal(stats.tasks.completed, 1);
 * ```
 */
export interface ExecutorStats {
  /** The pool's workers. */
  readonly workers: {
    /** Started and not yet exited (a worker being stopped still counts). */
    readonly alive: number;
    /** Alive, taking tasks, with none in flight. */
    readonly idle: number;
    /** Alive with tasks in flight. */
    readonly busy: number;
    /** Started since the pool was made. */
    readonly started: number;
    /** Exited since the pool was made, for whatever reason. */
    readonly exited: number;
  };
  /** The pool's tasks (a chunk of `map` counts as one task). */
  readonly tasks: {
    /** Accepted by `submit` or `map` since the pool was made. */
    readonly submitted: number;
    /** Waiting in the pool's queue or sent ahead to a worker, not started. */
    readonly queued: number;
    /** Running on a worker (a task sent ahead to a child process counts as running). */
    readonly running: number;
    /** Finished with a result. */
    readonly completed: number;
    /** Finished with an error (including stopped by an abort or a time limit). */
    readonly failed: number;
    /** Cancelled before they started. */
    readonly cancelled: number;
  };
  /**
   * Busy time over alive time of every worker so far, 0 to 1: the share of
   * the workers' lives spent running tasks.
   */
  readonly utilization: number;
  /**
   * How long tasks ran, as the workers measure it (tasks reported together
   * share their batch's time). Sampled from the first `stats()` call on;
   * `null` until a task has finished since then.
   */
  readonly runTime: Percentiles | null;
  /**
   * How long tasks waited in the pool's queue before being sent to a worker.
   * Sampled from the first `stats()` call on; `null` until then.
   */
  readonly waitTime: Percentiles | null;
}

const SAMPLES = 1024;

/** The last 1024 durations of one kind, in milliseconds. */
export class Samples {
  readonly #ring = new Float64Array(SAMPLES);
  #count = 0;

  /** Adds `count` samples of `ms` each. */
  add(ms: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#ring[this.#count++ & (SAMPLES - 1)] = ms;
  }

  /** The percentiles of what was sampled, or null before any sample. */
  percentiles(): Percentiles | null {
    const n = Math.min(this.#count, SAMPLES);
    if (n === 0) return null;
    const sorted = this.#ring.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))]!;
    return { samples: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[n - 1]! };
  }
}

/**
 * The pool's counts, kept by whichever room sees the event: integer adds
 * (per submit, per result message, per exit), never a clock read, until
 * `times` is made by the first `stats()` call.
 */
export class Tally {
  /** Tasks accepted by `submit`. */
  submitted = 0;
  /** Tasks settled with a result. */
  completed = 0;
  /** Tasks settled with an error (a stopped task counts here too). */
  failed = 0;
  /** Workers started; also the number in the next worker's name. */
  started = 0;
  /** Workers exited. */
  exited = 0;
  /** Time the workers reported busy, in milliseconds. */
  busyMs = 0;
  /** The lifetimes of exited workers, in milliseconds. */
  exitedAliveMs = 0;
  /** Run and wait times, sampled from the first `stats()` call on. */
  times: { run: Samples; wait: Samples } | undefined;

  /** Records how long `jobs` waited in the queue, as they are sent at `now`. */
  waited(jobs: readonly { queuedAt: number }[], now: number): void {
    for (const job of jobs) {
      if (job.queuedAt > 0) this.times!.wait.add(now - job.queuedAt);
    }
  }
}

/**
 * The snapshot `executor.stats()` returns: the tally's counts, the queue's
 * backlog count, and the tasks each worker holds (a window of a few
 * milliseconds of work, whatever the backlog). From the first call on,
 * tasks are timed.
 */
export function snapshot(
  tally: Tally,
  workers: Iterable<WorkerHandle>,
  queue: TaskQueue,
): ExecutorStats {
  const times = tally.times ??= { run: new Samples(), wait: new Samples() };
  const now = performance.now();
  let alive = 0, idle = 0, busy = 0, queued = 0, running = 0;
  let aliveMs = tally.exitedAliveMs;
  for (const w of workers) {
    alive++;
    aliveMs += now - w.startedAt;
    if (w.live > 0) busy++;
    else if (w.state === "running") idle++;
    for (const { job: { future }, moved } of w.inflight) {
      if (moved || future.done()) continue; // a moved one is counted where it went
      // Sent ahead to a thread and not begun: still waiting.
      if (future.running()) running++;
      else queued++;
    }
  }
  queued += queue.backlog.size; // kept as tasks move: never a walk of the queue
  const { submitted, completed, failed, started, exited } = tally;
  return {
    workers: { alive, idle, busy, started, exited },
    tasks: {
      submitted,
      queued,
      running,
      completed,
      failed,
      // Every other future is done and was not settled here: cancelled.
      cancelled: submitted - completed - failed - queued - running,
    },
    utilization: aliveMs > 0 ? Math.min(1, tally.busyMs / aliveMs) : 0,
    runTime: times.run.percentiles(),
    waitTime: times.wait.percentiles(),
  };
}
