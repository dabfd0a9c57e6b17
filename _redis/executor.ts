// Copyright 2026 the @concurrent/futures authors. MIT license.
// RedisExecutor: the public face of dispatch.ts. It validates, keeps the
// shut-down state, and adds what per-call options mean over Redis.

import { type CallOptions, checkCallOptions } from "../_future/call.ts";
import {
  checkShutdownOptions,
  Executor,
  type ExecutorView,
  type MapInputs,
  type ShutdownOptions,
} from "../_future/executor.ts";
import { ShutdownError } from "../_future/errors.ts";
import type { ListenerOptions } from "../_future/listener_options.ts";
import { type Future, onDone } from "../_future/future.ts";
import { type MapOptions, runMap } from "../_future/map.ts";
import type { Task } from "../_future/tasks.ts";
import { checkBoolean, checkOptions } from "../_future/validate.ts";
import { Dispatch, type TaskOptions } from "./dispatch.ts";
import { checkQueueName } from "./layout.ts";
import { checkMaxQueue } from "../_future/backlog.ts";
import type { RedisExecutorEventMap } from "./node_watch.ts";
import { checkCount, checkMs, connectionOf, type RedisConnectionOptions } from "./options.ts";

/**
 * Options of {@linkcode RedisExecutor}: where Redis is, the queue, and how
 * long to wait for parties that went silent.
 *
 * @example
 * ```ts
 * import type { RedisExecutorOptions } from "@concurrent/futures/redis";
 *
 * const options: RedisExecutorOptions = {
 *   url: "redis://localhost:6379/0",
 *   queue: "images",
 *   retries: 1,
 * };
 * ```
 */
export interface RedisExecutorOptions extends RedisConnectionOptions {
  /** The queue's name: workers started with the same name run the tasks. */
  queue: string;
  /**
   * How many more times a task may run when the worker running it is lost
   * (its lease expires). Only for tasks that are safe to run twice.
   * @default {0}
   */
  retries?: number | undefined;
  /**
   * Milliseconds this executor may be unreachable before the workers drop
   * its queued tasks unrun and its results expire: what it leaves behind in
   * Redis if it goes away. It refreshes its presence every quarter of that.
   * @default {60000}
   */
  orphanTimeout?: number | undefined;
  /**
   * Milliseconds between this executor's own checks for lost workers while
   * its tasks run (the workers check every half lease too), so tasks of a
   * lost worker fail even when no other worker is left.
   * @default {10000}
   */
  sweepInterval?: number | undefined;
  /**
   * Go on (with one warning) when the server's `maxmemory-policy` is not
   * `noeviction`, instead of failing every task with an
   * `EvictionPolicyError`. Such a server evicts queued tasks and results
   * under memory pressure: their futures then fail with `TaskLostError`.
   * @default {false}
   */
  dangerouslyAllowEviction?: boolean | undefined;
  /**
   * Milliseconds tasks may wait with no live worker node serving the queue
   * before the executor fires `nonodes` (and warns, see `warnNoNodes`).
   * @default {10000}
   */
  noNodesTimeout?: number | undefined;
  /**
   * Whether `nonodes` is also said once on stderr, for whoever runs the
   * program and has not started a worker node yet.
   * @default {true}
   */
  warnNoNodes?: boolean | undefined;
  /**
   * The most tasks that may wait for Redis to acknowledge them (queued in
   * this executor before the first connection or during a reconnect, or
   * sent and unanswered); one more makes `submit` throw `QueueFullError`.
   * Infinity by default: a burst before the connection is up must not fail,
   * and Redis, not this process, is where a queue is meant to grow. `map`
   * stops reading its input at 20,000 (or `maxQueue`, if lower) until half
   * have been acknowledged, whatever this says.
   * @default {Infinity}
   */
  maxQueue?: number | undefined;
}

const ACTION = "create RedisExecutor";
const NO_OPTIONS: TaskOptions = {};

/**
 * An {@linkcode Executor} whose tasks run on worker nodes anywhere that can
 * reach the same Redis (≥ 7, or Valkey): start workers with
 * {@linkcode serveWorker} or the `redis_worker.ts` module, then `submit`,
 * `map`, `wait` and `asCompleted` as with the local pools.
 *
 * Tasks are {@linkcode fromModule} references the workers can import, or
 * inline functions (which workers refuse unless started with
 * `allowInline`). Values and errors cross as with the process pool; a value
 * outside JSON needs the executor and workers on the same runtime.
 *
 * A task starts at most once: a worker claims it before it runs, and
 * `cancel()` wins only before the claim. If the worker running it is lost,
 * its future fails with `WorkerLostError` unless `retries` allows another
 * run. Each result reaches its future exactly once, across reconnects.
 *
 * Nothing connects until the first task; an idle executor never keeps the
 * program alive.
 *
 * @example Square numbers on whatever workers serve the queue
 * ```ts ignore
 * import { RedisExecutor } from "@concurrent/futures/redis";
 * import { fromModule } from "@concurrent/futures";
 *
 * await using executor = new RedisExecutor({ url: "redis://localhost:6379", queue: "jobs" });
 * const tasks = fromModule<typeof import("./tasks.ts")>("https://example.com/tasks.ts");
 * const future = executor.submit(tasks.square, 12);
 * console.log(await future.result()); // 144
 * ```
 */
export class RedisExecutor extends Executor {
  readonly #dispatch: Dispatch;
  readonly #events = new EventTarget();
  #shutdown = false;
  #closed: Promise<void> | undefined;

  /**
   * Makes the executor. Nothing connects until the first task.
   *
   * @param options The queue, where Redis is, and the timeouts.
   * @throws {TypeError} For a missing or malformed queue name or URL, or an
   * option of the wrong type.
   * @throws {RangeError} For a number out of range.
   */
  constructor(options: RedisExecutorOptions) {
    super();
    if (options === undefined) {
      throw new TypeError(`Cannot ${ACTION}: options with a queue name are required`);
    }
    const o = checkOptions(options, ACTION);
    const onNoNodes = (detail: { queued: number; waited: number }) => {
      this.#events.dispatchEvent(new CustomEvent("nonodes", { detail }));
    };
    this.#dispatch = new Dispatch({
      connection: connectionOf(o),
      queue: checkQueueName(o.queue, ACTION),
      retries: checkCount(o.retries, "retries", ACTION, 0),
      orphanTimeout: checkMs(o.orphanTimeout, "orphanTimeout", ACTION, 1_000, 60_000),
      sweepInterval: checkMs(o.sweepInterval, "sweepInterval", ACTION, 10, 10_000),
      allowEviction: checkBoolean(o.dangerouslyAllowEviction, "dangerouslyAllowEviction", ACTION) ??
        false,
      noNodesTimeout: checkMs(o.noNodesTimeout, "noNodesTimeout", ACTION, 10, 10_000),
      warnNoNodes: checkBoolean(o.warnNoNodes, "warnNoNodes", ACTION) ?? true,
      maxQueue: checkMaxQueue(o.maxQueue, Infinity, ACTION),
    }, onNoNodes);
  }

  /** The queue's name. */
  get queue(): string {
    return this.#dispatch.config.queue;
  }

  /**
   * Resolves once fewer than half of `maxQueue` tasks wait for Redis to
   * acknowledge them (at once when below): a producer that awaits it
   * before each `submit` never meets `QueueFullError`.
   *
   * @returns A promise that resolves when there is room.
   *
   * @example
   * ```ts ignore
   * import { RedisExecutor } from "@concurrent/futures/redis";
   *
   * await using executor = new RedisExecutor({ queue: "jobs", maxQueue: 1000 });
   * for (let i = 0; i < 100_000; i++) {
   *   await executor.whenReady();
   *   executor.submit((x: number) => x * 2, i);
   * }
   * ```
   */
  whenReady(): Promise<void> {
    return this.#dispatch.whenReady();
  }

  /**
   * Listens for an event; see {@linkcode RedisExecutorEventMap}.
   *
   * @typeParam K The event's type.
   * @param type The event's type, such as `"nonodes"`.
   * @param listener Called with the event.
   * @param options As for `EventTarget.addEventListener`.
   *
   * @example
   * ```ts ignore
   * import { RedisExecutor } from "@concurrent/futures/redis";
   *
   * await using executor = new RedisExecutor({ queue: "jobs" });
   * executor.addEventListener("nonodes", (event) => console.warn(event.detail.queued));
   * ```
   */
  addEventListener<K extends keyof RedisExecutorEventMap>(
    type: K,
    listener: (event: RedisExecutorEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void {
    this.#events.addEventListener(type, listener as EventListener, options);
  }

  /**
   * Removes a listener added with {@linkcode RedisExecutor.addEventListener}.
   *
   * @typeParam K The event's type.
   * @param type The event's type.
   * @param listener The listener to remove.
   * @param options As for `EventTarget.removeEventListener`.
   */
  removeEventListener<K extends keyof RedisExecutorEventMap>(
    type: K,
    listener: (event: RedisExecutorEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void {
    this.#events.removeEventListener(type, listener as EventListener, options);
  }

  /**
   * Queues `fn(...args)` for a worker and returns its future.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A {@linkcode fromModule} reference, or a self-contained function.
   * @param args The arguments.
   * @returns The task's future.
   * @throws {ShutdownError} If the executor is shut down.
   * @throws {QueueFullError} If `maxQueue` tasks wait for Redis already.
   * @throws {TypeError} If `fn` is a native, bound or class function, or not a task.
   */
  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
    this.#checkOpen();
    return this.#dispatch.submit(fn, args, NO_OPTIONS) as Future<Awaited<R>>;
  }

  /**
   * As {@linkcode Executor.map}, with `chunksize` calls sent as one stream
   * entry and run by one worker.
   *
   * @typeParam A The task's parameter types.
   * @typeParam R The task's return type.
   * @param fn A {@linkcode fromModule} reference, or a self-contained function.
   * @param iterables One iterable per parameter, optionally followed by options.
   * @returns An async iterator of the results, in input order.
   * @throws {TypeError} For an input that is not iterable or an option of the wrong type.
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
   * @param fn A {@linkcode fromModule} reference, or a self-contained function.
   * @param args The iterables, then the options.
   * @returns An async iterator of the results, in input order.
   */
  override map<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: [...MapInputs<A>, MapOptions | undefined]
  ): AsyncIterableIterator<Awaited<R>>;
  override map(fn: unknown, ...args: unknown[]): AsyncIterableIterator<unknown> {
    return this.#map(fn, args, NO_OPTIONS);
  }

  /**
   * A view whose `submit` and `map` take per-call options. Aborting
   * `signal` cancels a task no worker has claimed yet; a claimed one fails
   * at once with `signal.reason` and its worker's result is discarded (the
   * worker's local pool cannot stop a running task yet). `timeLimit` counts
   * from the claim: then the future fails with `TimeoutError` and the result
   * is discarded. `transfer` is accepted and means a copy, as everything
   * crossing to another machine is.
   *
   * @param options The options of every call made through the view.
   * @returns The view.
   * @throws {TypeError} For an option of the wrong type.
   * @throws {RangeError} For `timeLimit <= 0`.
   *
   * @example Give up on a slow task
   * ```ts ignore
   * import { RedisExecutor } from "@concurrent/futures/redis";
   *
   * await using executor = new RedisExecutor({ queue: "jobs" });
   * const view = executor.with({ timeLimit: 30_000, signal: AbortSignal.timeout(60_000) });
   * const future = view.submit((n: number) => n + 1, 1);
   * ```
   */
  override with(options: CallOptions): ExecutorView {
    const { signal, timeLimit } = checkCallOptions(options);
    const call: TaskOptions = { signal, timeLimit };
    return {
      submit: ((fn: unknown, ...args: unknown[]) => {
        this.#checkOpen();
        return this.#watch(this.#dispatch.submit(fn, args, call), signal);
      }) as Executor["submit"],
      map: ((fn: unknown, ...args: unknown[]) => this.#map(fn, args, call)) as Executor["map"],
    };
  }

  /**
   * Stops taking tasks. Queued tasks still run unless `cancelFutures`, which
   * cancels every task no worker has claimed yet. With `wait` (the default)
   * it resolves once every future is done and the connections are closed.
   *
   * @param options `wait` (default `true`) and `cancelFutures` (default `false`).
   * @returns A promise that resolves once shut down.
   * @throws {TypeError} If an option is not a boolean (the promise rejects).
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    let wait: boolean, cancelFutures: boolean;
    try {
      ({ wait, cancelFutures } = checkShutdownOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    this.#shutdown = true;
    if (cancelFutures) {
      for (const record of [...this.#dispatch.records.values()]) {
        if (record.future.state === "pending") record.future.cancel();
      }
    }
    this.#closed ??= this.#dispatch.drained().then(() => this.#dispatch.close());
    return wait ? this.#closed : Promise.resolve();
  }

  #map(fn: unknown, args: unknown[], call: TaskOptions): AsyncIterableIterator<unknown> {
    return runMap(
      (task, taskArgs) => {
        this.#checkOpen();
        return this.#watch(this.#dispatch.submit(task, taskArgs, call), call.signal);
      },
      (task, argc, flat) => {
        this.#checkOpen();
        const future = this.#dispatch.submit(task, flat, call, argc);
        return this.#watch(future, call.signal) as Future<unknown[]>;
      },
      fn,
      args,
      call.signal,
      this.#dispatch.gate,
    );
  }

  // An abort cancels a task not yet claimed; a claimed one fails with the
  // reason, and its result is discarded when it comes.
  #watch(future: Future<unknown>, signal: AbortSignal | undefined): Future<unknown> {
    if (!signal || future.done()) return future;
    const abort = () => {
      if (future.state === "pending") {
        future.cancel();
        return;
      }
      this.#dispatch.stop(future, signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    onDone(future, () => signal.removeEventListener("abort", abort));
    return future;
  }

  #checkOpen(): void {
    if (this.#shutdown) {
      throw new ShutdownError("Cannot submit task: the executor has been shut down");
    }
  }
}
