// Copyright 2026 the @concurrent/futures authors. MIT license.
// The outcomes a RedisExecutor's caller catches, beyond the task's own
// errors: the worker running it was lost, Redis lost it, or no worker would
// run it.

/**
 * The worker node running the task stopped answering (it was killed, lost
 * its network, or froze) for longer than its lease, and the task had no
 * retries left. The task may have run in part, or even to its end.
 *
 * @example Tell a lost worker from a failing task
 * ```ts
 * import { WorkerLostError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new WorkerLostError("Worker host-1 was lost while running the task");
 * assert.equal(error.name, "WorkerLostError");
 * assert(error instanceof Error);
 * ```
 */
export class WorkerLostError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was lost, and where.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerLostError";
  }
}

/**
 * Redis no longer has the task: the server lost its data (restarted without
 * persistence) before a worker finished it, or the workers dropped it unrun
 * because its executor had been unreachable for longer than `orphanTimeout`.
 * Whether the task ran is unknown.
 *
 * @example
 * ```ts
 * import { TaskLostError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new TaskLostError("Redis lost the task");
 * assert.equal(error.name, "TaskLostError");
 * ```
 */
export class TaskLostError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was lost, and why.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskLostError";
  }
}

/**
 * A worker node refused to run the task: its module is outside the worker's
 * `allow` prefixes, or it is an inline function and the worker was not
 * started with `allowInline: true`. Nothing was imported or run.
 *
 * @example
 * ```ts
 * import { TaskRefusedError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new TaskRefusedError("Cannot run task: inline functions are not allowed");
 * assert.equal(error.name, "TaskRefusedError");
 * ```
 */
export class TaskRefusedError extends Error {
  /**
   * Makes the error.
   *
   * @param message Why the task was refused.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskRefusedError";
  }
}

// Errors rebuilt from the wire are plain Errors with the right name; these
// get their class back, so `instanceof` works on the caller's side.
const OWN: Record<string, { prototype: Error }> = {
  TaskRefusedError,
  WorkerLostError,
  TaskLostError,
};

/** Gives an error rebuilt from the wire its class, when it is one of ours. */
export function adoptError(error: unknown): unknown {
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype) {
    const own = OWN[error.name];
    if (own) Object.setPrototypeOf(error, own.prototype);
  }
  return error;
}
