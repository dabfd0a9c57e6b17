// Copyright 2026 the @concurrent/futures authors. MIT license.
// The abstract Executor: subclasses implement submit and shutdown; map and
// asyncDispose come from here.

import { type CallOptions, cancelOnAbort, checkCallOptions } from "./call.ts";
import type { Future } from "./future.ts";
import { type MapOptions, runMap } from "./map.ts";
import type { Task } from "./tasks.ts";
import { checkBoolean, checkOptions } from "./validate.ts";

/**
 * Options of an executor's `shutdown`.
 *
 * @example
 * ```ts
 * import type { ShutdownOptions } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 *
 * const executor = new ThreadPoolExecutor();
 * const options: ShutdownOptions = { wait: true, cancelFutures: true };
 * await executor.shutdown(options);
 * ```
 */
export interface ShutdownOptions {
  /**
   * Whether the returned promise waits until every future is done and every
   * worker has exited. With `false` it resolves at once and the workers exit
   * when the pending work is done.
   *
   * @default {true}
   */
  wait?: boolean | undefined;
  /**
   * Whether to cancel every task that has not started. Running tasks always
   * finish.
   *
   * @default {false}
   */
  cancelFutures?: boolean | undefined;
}

/**
 * The inputs of `map`: one iterable (or async iterable) per parameter of the
 * task, zipped together.
 *
 * @example
 * ```ts
 * import type { MapInputs } from "@concurrent/futures/future";
 *
 * const inputs: MapInputs<[number, string]> = [[1, 2], ["a", "b"]];
 * ```
 *
 * @typeParam A The task's parameter types.
 */
export type MapInputs<A extends unknown[]> = {
  [K in keyof A]: Iterable<A[K]> | AsyncIterable<A[K]>;
};

/**
 * Validates the options of `shutdown` and fills in the defaults, for
 * executor implementations.
 *
 * @throws {TypeError} If an option is not a boolean.
 */
export function checkShutdownOptions(
  options: ShutdownOptions | undefined,
): { wait: boolean; cancelFutures: boolean } {
  const action = "shut down executor";
  const { wait, cancelFutures } = checkOptions(options, action, ["wait", "cancelFutures"]);
  return {
    wait: checkBoolean(wait, "wait", action) ?? true,
    cancelFutures: checkBoolean(cancelFutures, "cancelFutures", action) ?? false,
  };
}

/**
 * What {@linkcode Executor.with} returns: `submit` and `map` of the same
 * executor, under per-call options.
 *
 * @example
 * ```ts
 * import type { ExecutorView } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
 * const view: ExecutorView = executor.with({ signal: new AbortController().signal });
 * assert.equal(await view.submit(() => 1).result(), 1);
 * ```
 */
export type ExecutorView = Pick<Executor, "submit" | "map">;

/**
 * The base class of every executor, as Python's `Executor`. A subclass
 * implements {@linkcode Executor.submit} and {@linkcode Executor.shutdown};
 * it gets `map` and `await using` from here.
 *
 * @example A tiny executor that runs tasks in this thread
 * ```ts
 * import { Executor, Future, type ShutdownOptions, type Task } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * class InlineExecutor extends Executor {
 *   submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
 *     if (typeof fn !== "function") throw new TypeError("Cannot submit: inline functions only");
 *     const future = new Future<Awaited<R>>();
 *     future.setRunningOrNotifyCancel();
 *     const run = async (): Promise<Awaited<R>> => await fn(...args);
 *     run().then((v) => future.setResult(v), (e) => future.setException(e));
 *     return future;
 *   }
 *   shutdown(_options?: ShutdownOptions): Promise<void> {
 *     return Promise.resolve();
 *   }
 * }
 *
 * await using executor = new InlineExecutor();
 * const squares = await Array.fromAsync(executor.map((x: number) => x * x, [1, 2, 3]));
 * assert.deepEqual(squares, [1, 4, 9]);
 * ```
 */
export abstract class Executor implements AsyncDisposable {
  /**
   * Schedules `fn(...args)` and returns a future of its result.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A self-contained function or a {@linkcode fromModule} reference.
   * @param args The arguments.
   * @returns The task's future.
   * @throws {ShutdownError} If the executor is shut down.
   * @throws {BrokenExecutor} If the executor is broken.
   * @throws {TypeError} If `fn` cannot be sent to a worker.
   */
  abstract submit<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: A
  ): Future<Awaited<R>>;

  /**
   * Stops accepting tasks. Queued tasks still run unless `cancelFutures`.
   * Calling it again is harmless.
   *
   * @param options Whether to wait and whether to cancel queued tasks.
   * @returns A promise that resolves when shut down (see `wait`).
   */
  abstract shutdown(options?: ShutdownOptions): Promise<void>;

  /**
   * Calls `fn` on the zipped items of `iterables` (the shortest wins) and
   * yields the results in input order.
   *
   * With sync iterables every task is submitted now (unless `buffersize`);
   * async iterables are read as they yield. A task's error is thrown when its
   * result is reached; the iterator then ends and the tasks not yet started
   * are cancelled, as they are when the loop is left early. Option errors
   * throw from this call, before anything is submitted.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A self-contained function or a {@linkcode fromModule} reference.
   * @param iterables One iterable per parameter, optionally followed by
   * {@linkcode MapOptions}.
   * @returns An async iterator of the results.
   * @throws {TypeError} For an input that is not iterable or an option of the
   * wrong type.
   * @throws {RangeError} For `timeout < 0`, or `chunksize`/`buffersize` that
   * is not a positive integer.
   * @throws {TimeoutError} From the iterator, when `timeout` passes first.
   */
  map<A extends unknown[], R>(
    fn: Task<A, R>,
    ...iterables: MapInputs<A>
  ): AsyncIterableIterator<Awaited<R>>;
  /**
   * Calls `fn` on the zipped items of `iterables` with options.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A self-contained function or a {@linkcode fromModule} reference.
   * @param args The iterables, then the options (`undefined` is no options).
   * @returns An async iterator of the results.
   */
  map<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: [...MapInputs<A>, MapOptions | undefined]
  ): AsyncIterableIterator<Awaited<R>>;
  map(fn: unknown, ...args: unknown[]): AsyncIterableIterator<unknown> {
    return runMap(
      (task, taskArgs) => this.submit(task as Task<unknown[], unknown>, ...taskArgs),
      undefined,
      fn,
      args,
    );
  }

  /**
   * A view of this executor whose `submit` and `map` take per-call options;
   * `submit(fn, ...args)` itself stays as in Python. Here, in the base class,
   * aborting `signal` cancels every task of the view that has not started
   * (and `map` then throws `signal.reason`); executors that can stop running
   * work (both pools) override this to stop it too, and to take `timeLimit`
   * and `transfer`.
   *
   * @param options The options of every call made through the view.
   * @returns The view: `submit` and `map`, on this executor.
   * @throws {TypeError} For an option of the wrong type, or `timeLimit` or
   * `transfer` on an executor that cannot honour them.
   * @throws {RangeError} For `timeLimit <= 0`.
   *
   * @example Cancel what has not started when the caller gives up
   * ```ts
   * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
   * import assert from "node:assert/strict";
   *
   * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
   * const controller = new AbortController();
   * const view = executor.with({ signal: controller.signal });
   * controller.abort();
   * assert.equal(view.submit(() => 1).cancelled(), true);
   * ```
   */
  with(options: CallOptions): ExecutorView {
    const { signal, timeLimit, transfer } = checkCallOptions(options);
    if (timeLimit !== undefined || transfer !== undefined) {
      throw new TypeError(
        `Cannot set call options: this executor cannot stop running work nor transfer buffers, so it takes only signal, received ${
          timeLimit !== undefined ? "timeLimit" : "transfer"
        }`,
      );
    }
    const submit = (fn: unknown, args: unknown[]) => {
      const future = this.submit(fn as Task<unknown[], unknown>, ...args);
      if (signal) cancelOnAbort(future, signal);
      return future;
    };
    return {
      submit: ((fn: Task<unknown[], unknown>, ...args: unknown[]) => submit(fn, args)) as Executor[
        "submit"
      ],
      map:
        ((fn: unknown, ...args: unknown[]) =>
          runMap(submit, undefined, fn, args, signal)) as Executor["map"],
    };
  }

  /**
   * Shuts down and waits, for `await using executor = new …()`.
   *
   * @returns A promise that resolves when every future is done and every
   * worker has exited.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}
