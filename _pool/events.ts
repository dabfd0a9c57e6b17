// Copyright 2026 the @concurrent/futures authors. MIT license.
// The events a pool fires (PoolExecutor is an event target). The pool makes
// its EventTarget only when the first listener is added: a pool nobody
// listens to builds no event.

export type { ListenerOptions } from "../_future/listener_options.ts";

/**
 * Why a worker exited, in the `workerexit` event:
 *
 * - `"shutdown"`: the executor was shut down and the worker had nothing left.
 * - `"retired"`: replaced after `maxTasksPerChild` tasks, or because it
 *   could not load a task module submitted after it started.
 * - `"stopped"`: stopped to stop a running task (an abort or a `timeLimit`).
 * - `"terminated"`: `terminateWorkers()` or `killWorkers()`.
 * - `"broken"`: stopped because the pool broke.
 * - `"crashed"`: it ended by itself (and so broke the pool).
 *
 * @example
 * ```ts
 * import type { WorkerExitReason } from "@concurrent/futures";
 *
 * const reason: WorkerExitReason = "stopped";
 * ```
 */
export type WorkerExitReason =
  | "shutdown"
  | "retired"
  | "stopped"
  | "terminated"
  | "broken"
  | "crashed";

/**
 * The `detail` of each event a pool fires, by type. Every event is a
 * `CustomEvent`:
 *
 * - `workerstart`: a worker was started (`detail.worker` is its name).
 * - `workerexit`: a worker exited; `detail.reason` says why, `detail.code`
 *   and `detail.signal` how, `detail.error` what went wrong if anything.
 * - `broken`: the pool broke; `detail.error` is the error futures fail with.
 * - `drain`: nothing is queued or running any more (fired each time the pool
 *   goes from busy to idle).
 * - `backpressure`: the queue just became full: `maxQueue` tasks wait for a
 *   worker, and `submit` throws `QueueFullError` until one leaves.
 * - `ready`: after `backpressure`, the queue fell below half of `maxQueue`
 *   (the low-water mark), when `whenReady()` resolves. `detail.queued` is
 *   the number of tasks waiting at the crossing. Both are fired in a
 *   microtask after it, in order.
 *
 * @example Log why workers exit
 * ```ts
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 *
 * await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
 * executor.addEventListener("workerexit", (event) => {
 *   console.log(event.detail.worker, "exited:", event.detail.reason);
 * });
 * await executor.submit(() => 1).result();
 * ```
 */
export interface PoolEventMap {
  /** A worker was started. */
  workerstart: CustomEvent<{ readonly worker: string }>;
  /** A worker exited, and why. */
  workerexit: CustomEvent<{
    readonly worker: string;
    readonly reason: WorkerExitReason;
    readonly code: number | null;
    readonly signal: string | null;
    readonly error?: unknown;
  }>;
  /** The pool broke. */
  broken: CustomEvent<{ readonly error: Error }>;
  /** Nothing is queued or running any more. */
  drain: CustomEvent<null>;
  /** The queue is full (`maxQueue` tasks wait). */
  backpressure: CustomEvent<{ readonly queued: number }>;
  /** The queue fell below the low-water mark after being full. */
  ready: CustomEvent<{ readonly queued: number }>;
}

/** Fires `type` with `detail` on `target`. */
export function fire<K extends keyof PoolEventMap>(
  target: EventTarget,
  type: K,
  detail: PoolEventMap[K]["detail"],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail }));
}
