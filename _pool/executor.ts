// Copyright 2026 the @concurrent/futures authors. MIT license.
// The public face of the pool core, shared by ThreadPoolExecutor and
// ProcessPoolExecutor: they differ only in the Pool they build.

import { type CallOptions, checkCallOptions, type CheckedCall } from "../_future/call.ts";
import {
  checkShutdownOptions,
  Executor,
  type ExecutorView,
  type MapInputs,
  type ShutdownOptions,
} from "../_future/executor.ts";
import type { Future } from "../_future/future.ts";
import { type MapOptions, runMap } from "../_future/map.ts";
import type { Task } from "../_future/tasks.ts";
import type { ListenerOptions, PoolEventMap } from "./events.ts";
import type { Pool } from "./pool.ts";
import type { ExecutorStats } from "./stats.ts";

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
   * @throws {QueueFullError} If `maxQueue` tasks already wait for a worker.
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
   * Resolves when the pool takes work again: at once unless the queue is
   * full (it reached `maxQueue`), else once it falls below half of
   * `maxQueue` (the `ready` event). A producer awaits it instead of polling
   * `stats()` or catching {@linkcode QueueFullError}; `map` waits the same
   * way. It never rejects: once the pool is shut down or broken its queue
   * empties, it resolves, and the next `submit` throws why.
   *
   * Named after the `ready` event it mirrors, as the pool's other waits
   * are named after what they wait for: a future's `result()`, the
   * `drain` event.
   *
   * @returns A promise that resolves when the queue has room.
   *
   * @example Produce as fast as the pool consumes
   * ```ts
   * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
   * import assert from "node:assert/strict";
   *
   * await using executor = new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: 4 });
   * const futures = [];
   * for (let i = 0; i < 20; i++) {
   *   await executor.whenReady(); // never QueueFullError below
   *   futures.push(executor.submit((x: number) => x * 2, i));
   * }
   * assert.equal(await futures[19]!.result(), 38);
   * ```
   */
  whenReady(): Promise<void> {
    return this.#pool.backlog.whenReady();
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
    return this.#map(fn, args, undefined);
  }

  /**
   * A view whose `submit` and `map` take per-call options, on this pool.
   *
   * - `signal`: aborting it cancels a task that has not started (its future
   *   is `cancelled`) and stops a running one: its future fails at once with
   *   `signal.reason`, and its worker is stopped (a child process killed, a
   *   thread terminated) and replaced. The pool is not broken, and tasks that
   *   were sent ahead to that worker go back to the queue. In `map` the
   *   signal covers every call, and the iterator throws `signal.reason`.
   * - `timeLimit`: milliseconds a task may run once it has started; then it
   *   is stopped the same way and its future fails with `TimeoutError`. A
   *   `map` chunk (`chunksize`) is one task.
   * - `transfer`: buffers moved to a thread worker without a copy (the
   *   caller's are detached); a child process gets copies. For one call:
   *   a buffer can move only once.
   *
   * Deno cannot interrupt a thread busy in a synchronous loop: there the
   * future still fails at once and a new worker takes the old one's place,
   * but the old thread runs on until the loop ends (see the README).
   * `Future.cancel()` still never stops a running task.
   *
   * @param options The options of every call made through the view.
   * @returns The view: `submit` and `map`, on this pool.
   * @throws {TypeError} For an option of the wrong type.
   * @throws {RangeError} For `timeLimit <= 0`.
   *
   * @example Stop a task that runs too long
   * ```ts
   * import { ProcessPoolExecutor } from "@concurrent/futures/process";
   * import { TimeoutError } from "@concurrent/futures/future";
   * import assert from "node:assert/strict";
   *
   * await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
   * const spin = executor.with({ timeLimit: 100 }).submit(() => {
   *   for (;;);
   * });
   * assert.ok(await spin.exception() instanceof TimeoutError);
   * assert.equal(await executor.submit(() => "still serving").result(), "still serving");
   * ```
   */
  override with(options: CallOptions): ExecutorView {
    const checked = checkCallOptions(options);
    // Nothing to control: plain submits, which carry nothing per task.
    const call = checked.signal || checked.timeLimit !== undefined || checked.transfer
      ? checked
      : undefined;
    return {
      submit:
        ((fn: unknown, ...args: unknown[]) =>
          this.#pool.submit(fn, args, undefined, call)) as Executor["submit"],
      map: ((fn: unknown, ...args: unknown[]) => this.#map(fn, args, call)) as Executor["map"],
    };
  }

  /**
   * A snapshot of the pool: its workers, its tasks, how busy the workers
   * were, and how long tasks ran and waited. Cheap enough to poll; the first
   * call starts timing tasks (a pool nobody asks reads no clock per task).
   *
   * @returns The snapshot.
   *
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
   * import assert from "node:assert/strict";
   *
   * await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
   * executor.stats(); // start timing
   * await Array.fromAsync(executor.map((x: number) => x * 2, [1, 2, 3]));
   * const { tasks, workers, runTime } = executor.stats();
   * assert.equal(tasks.completed, 3);
   * assert.ok(workers.started >= 1);
   * assert.equal(runTime?.samples, 3);
   * ```
   */
  stats(): ExecutorStats {
    return this.#pool.stats();
  }

  /**
   * Listens for the pool's events (see {@linkcode PoolEventMap}):
   * `workerstart`, `workerexit` (with why), `broken`, `drain`,
   * `backpressure` and `ready`. Until the
   * first listener is added the pool builds no event at all.
   *
   * @typeParam K The event type.
   * @param type The event type.
   * @param listener Called with the `CustomEvent`.
   * @param options As for `EventTarget.addEventListener`.
   *
   * @example Know when the pool has nothing left to do
   * ```ts
   * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
   *
   * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
   * const drained = new Promise((resolve) => executor.addEventListener("drain", resolve, { once: true }));
   * executor.submit(() => 1);
   * await drained;
   * ```
   */
  addEventListener<K extends keyof PoolEventMap>(
    type: K,
    listener: (event: PoolEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void {
    this.#pool.events.addEventListener(type, listener as EventListener, options);
  }

  /**
   * Removes a listener added with {@linkcode PoolExecutor.addEventListener}.
   *
   * @typeParam K The event type.
   * @param type The event type.
   * @param listener The listener to remove.
   * @param options As for `EventTarget.removeEventListener`.
   */
  removeEventListener<K extends keyof PoolEventMap>(
    type: K,
    listener: (event: PoolEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void {
    this.#pool.events.removeEventListener(type, listener as EventListener, options);
  }

  #map(
    fn: unknown,
    args: unknown[],
    call: CheckedCall | undefined,
  ): AsyncIterableIterator<unknown> {
    // Through `this`, not the pool: a running map keeps its executor
    // reachable, so the executor is never collected (and shut down) while
    // the map still submits.
    return runMap(
      (task, taskArgs) => this.#pool.submit(task, taskArgs, undefined, call),
      (task, argc, flat) => this.#pool.submitChunk(task, argc, flat, call),
      fn,
      args,
      call?.signal,
      this.#pool.backlog,
    );
  }
}
