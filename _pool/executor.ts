// Copyright 2026 the @concurrent/futures authors. MIT license.
// The public face of the pool core, shared by ThreadPoolExecutor and
// ProcessPoolExecutor: they differ only in the Pool they build.

import {
  checkShutdownOptions,
  Executor,
  type MapInputs,
  type ShutdownOptions,
} from "../_future/executor.ts";
import type { Future } from "../_future/future.ts";
import { type MapOptions, runMap } from "../_future/map.ts";
import type { Task } from "../_future/tasks.ts";
import type { Pool } from "./pool.ts";

// An executor nobody can reach any more can never be shut down by its user:
// once it is collected, its pool is shut down without waiting, so queued work
// still finishes and then every worker exits (CPython does the same with a
// weakref callback). Only the executor is registered; the runtime's handles
// (worker listeners, child processes) hold the pool, never the executor.
const unreachable = new FinalizationRegistry<Pool>((pool) => {
  void pool.shutdown(false, false);
});

/**
 * What {@linkcode ThreadPoolExecutor} and {@linkcode ProcessPoolExecutor}
 * share: workers that start lazily, one per `submit` while none is idle, up to
 * `maxWorkers`, and are reused; an initializer run once per worker; a broken
 * state (a worker that dies outside a task or an initializer that throws
 * fails every pending future, and `submit` throws from then on); and a `map`
 * that sends `chunksize` calls to a worker as one message.
 *
 * An idle pool never keeps the program alive; pending work does. It is not
 * constructed directly: make one of the two executors.
 *
 * @example Both pools are PoolExecutors
 * ```ts
 * import { PoolExecutor, ThreadPoolExecutor } from "@concurrent/futures";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
 * assert(executor instanceof PoolExecutor);
 * ```
 */
export abstract class PoolExecutor extends Executor {
  readonly #pool: Pool;

  /** @ignore Executors of this package only: the pool is internal. */
  protected constructor(pool: Pool) {
    super();
    this.#pool = pool;
    unreachable.register(this, pool);
  }

  /**
   * Schedules `fn(...args)` on a worker.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A self-contained function or a {@linkcode fromModule} reference.
   * @param args The arguments; see the README for the values that cross.
   * @returns The future of the result.
   * @throws {ShutdownError} If the executor is shut down.
   * @throws {BrokenExecutor} If the pool is broken (its own subclass).
   * @throws {TypeError} If `fn` is a native, bound or class function, or not
   * a task at all.
   */
  submit<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: A
  ): Future<Awaited<R>> {
    return this.#pool.submit(fn, args) as Future<Awaited<R>>;
  }

  /**
   * Stops accepting tasks and, by default, waits for every future and for
   * every worker to exit. Calling it again is harmless.
   *
   * @param options `wait` (default `true`) and `cancelFutures` (default
   * `false`: queued tasks still run).
   * @returns A promise that resolves once shut down.
   * @throws {TypeError} If an option is not a boolean (the promise rejects).
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    try {
      const { wait, cancelFutures } = checkShutdownOptions(options);
      return this.#pool.shutdown(wait, cancelFutures);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * As {@linkcode Executor.map}, with `chunksize` calls sent to a worker as
   * one message and run there one after another.
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
   */
  override map<A extends unknown[], R>(
    fn: Task<A, R>,
    ...iterables: MapInputs<A>
  ): AsyncIterableIterator<Awaited<R>>;
  /**
   * As {@linkcode Executor.map}, with options.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A self-contained function or a {@linkcode fromModule} reference.
   * @param args The iterables, then the options (`undefined` is no options).
   * @returns An async iterator of the results.
   */
  override map<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: [...MapInputs<A>, MapOptions | undefined]
  ): AsyncIterableIterator<Awaited<R>>;
  override map(fn: unknown, ...args: unknown[]): AsyncIterableIterator<unknown> {
    // Through `this`, not the pool: a running map keeps its executor
    // reachable, so the executor is never collected (and shut down) while
    // the map still submits.
    return runMap(
      (task, taskArgs) => this.#pool.submit(task, taskArgs),
      (task, argc, flat) => this.#pool.submitChunk(task, argc, flat),
      fn,
      args,
    );
  }
}
