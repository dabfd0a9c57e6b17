// Copyright 2026 the @concurrent/futures authors. MIT license.
// The outcome errors callers catch. Misuse gets the built-in TypeError and
// RangeError instead (see _validate.ts).

/**
 * Thrown by {@linkcode Future.result} and {@linkcode Future.exception} when the
 * future was cancelled before it ran.
 *
 * @example Catch a cancelled future
 * ```ts
 * import { CancelledError, Future } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const future = new Future<number>();
 * future.cancel();
 * const error = await future.result().catch((e) => e);
 * assert(error instanceof CancelledError);
 * ```
 */
export class CancelledError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was cancelled.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message = "Future was cancelled", options?: ErrorOptions) {
    super(message, options);
    this.name = "CancelledError";
  }
}

/**
 * Thrown when a timeout given in milliseconds passes: by
 * {@linkcode Future.result}, {@linkcode Future.exception},
 * {@linkcode asCompleted} and an executor's `map`.
 *
 * @example Give up waiting after 10 ms
 * ```ts
 * import { Future, TimeoutError } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const future = new Future<number>();
 * const error = await future.result({ timeout: 10 }).catch((e) => e);
 * assert(error instanceof TimeoutError);
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Makes the error.
   *
   * @param message What timed out.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message = "Timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * Thrown by the executor-side methods of {@linkcode Future} when the future is
 * in a state that does not allow the call, for example `setResult` on a future
 * that is already finished.
 *
 * @example Set a result twice
 * ```ts
 * import { Future, InvalidStateError } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const future = new Future<number>();
 * future.setResult(1);
 * assert.throws(() => future.setResult(2), InvalidStateError);
 * ```
 */
export class InvalidStateError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was attempted and the state found.
   * @param options The standard error options, such as `cause`.
   */
  constructor(
    message = "Future is in an invalid state",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "InvalidStateError";
  }
}

/**
 * Thrown by an executor's `submit` and `map` once `shutdown` has been called:
 * the executor takes no new work. (Python raises a plain `RuntimeError`; a
 * named class lets a caller tell "too late" from a failed task.)
 *
 * @example Submit after shutdown
 * ```ts
 * import { ShutdownError } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * const executor = new ThreadPoolExecutor();
 * await executor.shutdown();
 * assert.throws(() => executor.submit(() => 1), ShutdownError);
 * ```
 */
export class ShutdownError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was refused.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message = "Executor is shut down", options?: ErrorOptions) {
    super(message, options);
    this.name = "ShutdownError";
  }
}

/**
 * Thrown by an executor's `submit` when its queue is full: `maxQueue` tasks
 * already wait for a worker. The task was not accepted, so nothing is left
 * to cancel; a server can answer 503 at once, and a producer that would
 * rather wait awaits `executor.whenReady()` first (`map` waits by itself).
 * Like {@linkcode ShutdownError}, it refuses work without breaking anything.
 *
 * @example Refuse work when the queue is full
 * ```ts
 * import { QueueFullError } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: 1 });
 * const first = executor.submit(() => 1); // waits in the queue
 * assert.throws(() => executor.submit(() => 2), QueueFullError);
 * assert.equal(await first.result(), 1);
 * ```
 */
export class QueueFullError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was refused; the pools name the limit.
   * @param options The standard error options.
   */
  constructor(message = "Executor queue is full", options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFullError";
  }
}

/**
 * The executor can no longer run tasks: a worker failed to start, its
 * initializer threw, or it died outside a task. Every pending and running
 * future of a broken executor fails with this error, and `submit` throws it.
 * The underlying failure is in `cause`.
 *
 * Each executor throws its own subclass: `BrokenThreadPool` or
 * `BrokenProcessPool`.
 *
 * @example Tell a broken pool from a failed task
 * ```ts
 * import { BrokenExecutor } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new BrokenExecutor("A worker died");
 * assert(error instanceof BrokenExecutor);
 * ```
 */
export class BrokenExecutor extends Error {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options The standard error options; `cause` holds the failure.
   */
  constructor(message = "Executor is broken", options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenExecutor";
  }
}

/**
 * A {@linkcode ThreadPoolExecutor} is broken: a worker's initializer threw, a
 * worker could not start, or it died outside a task. `cause` holds the
 * underlying error.
 *
 * @example Catch a broken thread pool
 * ```ts
 * import { BrokenExecutor } from "@concurrent/futures/future";
 * import { BrokenThreadPool } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * const error = new BrokenThreadPool("A worker died", { cause: new Error("boom") });
 * assert(error instanceof BrokenExecutor);
 * ```
 */
export class BrokenThreadPool extends BrokenExecutor {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options The standard error options; `cause` holds the failure.
   */
  constructor(message = "Thread pool is broken", options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenThreadPool";
  }
}

/**
 * A {@linkcode ProcessPoolExecutor} is broken: a child process exited, crashed
 * or was killed while the pool was open, or an initializer threw. `cause`
 * names the exit code or signal.
 *
 * @example Catch a broken process pool
 * ```ts
 * import { BrokenExecutor } from "@concurrent/futures/future";
 * import { BrokenProcessPool } from "@concurrent/futures/process";
 * import assert from "node:assert/strict";
 *
 * const error = new BrokenProcessPool("A child died", { cause: new Error("killed by SIGKILL") });
 * assert(error instanceof BrokenExecutor);
 * ```
 */
export class BrokenProcessPool extends BrokenExecutor {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options The standard error options; `cause` holds the failure.
   */
  constructor(message = "Process pool is broken", options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenProcessPool";
  }
}
