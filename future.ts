// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * Futures and the executor protocol, as Python's `concurrent.futures._base`:
 * {@linkcode Future}, {@linkcode wait}, {@linkcode asCompleted}, the abstract
 * {@linkcode Executor}, the error classes and the `returnWhen` constants.
 *
 * Executors live in `@concurrent/futures/thread` and
 * `@concurrent/futures/process`; this module loads neither.
 *
 * @example Wait for the first of several futures
 * ```ts
 * import { FIRST_COMPLETED, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const fast = new Future<string>();
 * const slow = new Future<string>();
 * setTimeout(() => fast.setResult("fast"), 1);
 * const { done } = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
 * assert.deepEqual([...done], [fast]);
 * ```
 *
 * @module
 */

export { Future, type FutureState, type ResultOptions } from "./_future/future.ts";
export {
  ALL_COMPLETED,
  asCompleted,
  type AsCompletedOptions,
  type DoneAndNotDone,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type FutureResult,
  type ReturnWhen,
  wait,
  type WaitOptions,
} from "./_future/wait.ts";
export {
  Executor,
  type ExecutorView,
  type MapInputs,
  type ShutdownOptions,
} from "./_future/executor.ts";
export type { CallOptions, Transferable } from "./_future/call.ts";
export { transfer } from "./_future/transfer.ts";
export type { MapOptions } from "./_future/map.ts";
export { fromModule, type ModuleTask, type ModuleTasks, type Task } from "./_future/tasks.ts";
export {
  BrokenExecutor,
  CancelledError,
  InvalidStateError,
  QueueFullError,
  ShutdownError,
  TimeoutError,
} from "./_future/errors.ts";
