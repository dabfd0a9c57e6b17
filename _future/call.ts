// Copyright 2026 the @concurrent/futures authors. MIT license.
// Per-call options (Executor.with): their checks, and what every executor can
// do with a signal by itself, which is to cancel a future before it runs.

import { type Future, onDone } from "./future.ts";
import { checkMilliseconds, checkOptions, describe } from "./validate.ts";

/**
 * What `transfer` moves to a thread worker instead of copying: the platform's
 * `Transferable`, spelled out because a Bun project's TypeScript (bun-types)
 * has no global of that name. A port is what the global `MessagePort` makes:
 * a Node project's TypeScript (`@types/node` 20–24 without the DOM library)
 * declares that global as a value only, with no type of that name.
 */
export type Transferable =
  | ArrayBuffer
  | InstanceType<typeof MessagePort>
  | ReadableStream
  | WritableStream
  | TransformStream;

/**
 * Options of one call, given to {@linkcode Executor.with}: beyond Python,
 * what every JavaScript pool offers.
 *
 * @example Give up after a deadline, and stop a task that runs too long
 * ```ts
 * import { type CallOptions, TimeoutError } from "@concurrent/futures/future";
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
 * const options: CallOptions = { signal: AbortSignal.timeout(60_000), timeLimit: 2_000 };
 * const view = executor.with(options);
 * assert.equal(await view.submit((x: number) => x + 1, 1).result(), 2);
 * const spin = view.submit(() => {
 *   for (;;);
 * });
 * assert.ok(await spin.exception() instanceof TimeoutError); // its child was killed and replaced
 * ```
 */
export interface CallOptions {
  /**
   * Aborting it cancels a task that has not started; an executor that can
   * stop running work (both pools) stops a running one too, and its future
   * fails with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds a task may run once started; then it is stopped and its
   * future fails with `TimeoutError`. Only executors that can stop running
   * work take it.
   *
   * @default {undefined} (no limit)
   */
  timeLimit?: number | undefined;
  /**
   * Buffers moved to a thread worker without copying (the caller's copies
   * are detached); a process pool copies them.
   *
   * @default {undefined}
   */
  transfer?: readonly Transferable[] | undefined;
}

/** Per-call options once checked. */
export interface CheckedCall {
  readonly signal?: AbortSignal;
  readonly timeLimit?: number;
  readonly transfer?: readonly Transferable[];
}

const ACTION = "set call options";
const CALL_OPTIONS = ["signal", "timeLimit", "transfer"] as const;

/**
 * Checks the options of `Executor.with`.
 *
 * @throws {TypeError} For a signal that is not an AbortSignal, a timeLimit
 * that is not a number, a transfer that is not an array, or an unknown key.
 * @throws {RangeError} For a timeLimit that is not a number > 0.
 */
export function checkCallOptions(options: CallOptions | undefined): CheckedCall {
  const { signal, timeLimit, transfer } = checkOptions(options, ACTION, CALL_OPTIONS);
  const checked: { signal?: AbortSignal; timeLimit?: number; transfer?: readonly Transferable[] } =
    {};
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError(
        `Cannot ${ACTION}: signal must be an AbortSignal, received ${describe(signal)}`,
      );
    }
    checked.signal = signal;
  }
  const ms = checkMilliseconds(timeLimit, "timeLimit", ACTION, true);
  if (ms !== undefined && ms !== Infinity) checked.timeLimit = ms;
  if (transfer !== undefined) {
    if (!Array.isArray(transfer)) {
      throw new TypeError(
        `Cannot ${ACTION}: transfer must be an array, received ${describe(transfer)}`,
      );
    }
    checked.transfer = transfer;
  }
  return checked;
}

/**
 * Cancels `future` when `signal` aborts, if it has not started by then (at
 * once if the signal has already aborted). The listener goes once the
 * future is done, so a long-lived signal does not pile up listeners.
 */
export function cancelOnAbort(future: Future<unknown>, signal: AbortSignal): void {
  if (future.done()) return;
  if (signal.aborted) {
    future.cancel();
    return;
  }
  const abort = () => future.cancel();
  signal.addEventListener("abort", abort, { once: true });
  onDone(future, () => signal.removeEventListener("abort", abort));
}
