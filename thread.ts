// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * {@linkcode ThreadPoolExecutor}: Python's `ThreadPoolExecutor` on worker
 * threads, for CPU-bound work that would otherwise block the event loop.
 *
 * Tasks are self-contained functions (sent by their source and compiled once
 * per worker) or module exports referenced with {@linkcode fromModule}.
 * Arguments and results cross by structured clone; errors keep their class,
 * message, own properties and worker-side stack.
 *
 * @example Run a CPU-bound function on two threads
 * ```ts
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
 * // A named function can call itself: its name is part of its source.
 * function fib(n: number): number {
 *   return n < 2 ? n : fib(n - 1) + fib(n - 2);
 * }
 * const future = executor.submit(fib, 20);
 * assert.equal(await future.result(), 6765);
 * ```
 *
 * @module
 */

import { BrokenThreadPool } from "./_future/errors.ts";
import { executorSetup, POOL_OPTIONS } from "./_pool/options.ts";
import { checkOptions } from "./_future/validate.ts";
import { Pool } from "./_pool/pool.ts";
import type { Task } from "./_future/tasks.ts";
import { PoolExecutor } from "./_pool/executor.ts";
import { noteNewExecutor } from "./_runtime/dev_reload.ts";
import { startThread } from "./_runtime/thread_transport.ts";

export { BrokenThreadPool } from "./_future/errors.ts";
export { fromModule, type ModuleTask, type ModuleTasks, type Task } from "./_future/tasks.ts";
export { QueueFullError } from "./_future/errors.ts";
export { PoolExecutor } from "./_pool/executor.ts";
export type { ListenerOptions, PoolEventMap, WorkerExitReason } from "./_pool/events.ts";
export type { ExecutorStats, Percentiles } from "./_pool/stats.ts";

/**
 * Options of {@linkcode ThreadPoolExecutor}.
 *
 * @typeParam I The initializer's parameter types, which `initargs` must
 * match; inferred by the constructor. Without it (`never`), any initializer
 * and any `initargs` type-check.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * const options: ThreadPoolExecutorOptions<[salt: string]> = {
 *   maxWorkers: 2,
 *   threadNamePrefix: "Hasher",
 *   initializer: (salt: string) => void ((globalThis as { salt?: string }).salt = salt),
 *   initargs: ["pepper"],
 * };
 * await using executor = new ThreadPoolExecutor(options);
 * const salt = () => (globalThis as { salt?: string }).salt;
 * assert.equal(await executor.submit(salt).result(), "pepper");
 * ```
 */
export interface ThreadPoolExecutorOptions<I extends unknown[] = never> {
  /**
   * The most worker threads to run at once. Workers start lazily, one per
   * `submit` while none is idle.
   *
   * @default {navigator.hardwareConcurrency}
   */
  maxWorkers?: number | undefined;
  /**
   * How many threads to start at construction and keep: a server can start
   * them before its first request, so that growing the pool never stalls
   * it (see the README's Runtime notes). At most `maxWorkers`.
   *
   * @default {0}
   */
  minWorkers?: number | undefined;
  /**
   * Milliseconds a worker thread above `minWorkers` may sit idle before it exits; the
   * pool starts threads again on demand. `Infinity` keeps them, as Python does.
   *
   * @default {Infinity}
   */
  idleTimeout?: number | undefined;
  /**
   * The most tasks that may wait for a worker; beyond it `submit` throws
   * {@linkcode QueueFullError} at once (a server answers 503), and `map`
   * waits instead. `Infinity` never refuses, as Python does.
   *
   * Waiting means in the pool's queue, not yet sent to a worker. Tasks a
   * worker holds ahead of the one it runs (a few milliseconds of work, so
   * it never idles between tiny tasks) have left the queue and do not
   * count; tasks given back by a stopped worker return to the front even
   * past the limit (they were accepted already), and a cancelled task
   * stops counting at once.
   *
   * The default (2^20 tasks) is a bound on memory (about 250 bytes and the
   * arguments per waiting task), not on a batch: Python's queue is
   * unbounded, and a script that submits 100,000 tasks in a loop before it
   * awaits any still works. A server sets its own from its latency budget:
   * a task waits about `maxQueue / throughput` (1024 per worker is about
   * 1 s for 1 ms tasks). The queue is `full` from `maxQueue` until it falls
   * below half of it (see `whenReady()` and the `backpressure` and `ready`
   * events).
   *
   * @default {1048576}
   */
  maxQueue?: number | undefined;
  /**
   * Names the workers `${threadNamePrefix}_${n}`, visible as `self.name`
   * inside them.
   *
   * @default {"ThreadPoolExecutor-<k>"} where k counts executors
   */
  threadNamePrefix?: string | undefined;
  /**
   * Runs once in each worker before its first task, with `initargs`; it may
   * be async. If it throws, the pool is broken: pending futures fail with
   * {@linkcode BrokenThreadPool} and `submit` throws it.
   *
   * @default {undefined}
   */
  initializer?: Task<I, unknown> | undefined;
  /**
   * The arguments of `initializer`, checked against its parameters (any
   * array when there is no initializer).
   *
   * @default {[]}
   */
  initargs?: ([I] extends [never] ? unknown[] : NoInfer<I>) | undefined;
  /**
   * Heap and stack limits of each worker thread, in MiB, as
   * `node:worker_threads` takes them. On Deno a worker that runs out of its
   * heap then breaks the pool (`BrokenThreadPool`, cause
   * `ERR_WORKER_OUT_OF_MEMORY`) instead of ending the whole program, as an
   * out-of-memory worker without limits does. Deno 2.9 does so only when
   * the heap runs out inside a timer callback: out of heap in synchronous
   * code or a promise continuation, the thread stalls at 0% CPU and its task
   * never settles, so pair limits with a time limit. Node's workers honour
   * them the same way, in synchronous code too. Bun's workers ignore them:
   * there, an out-of-memory task may still take the program down.
   *
   * @default {undefined} (the runtime's own limits)
   */
  resourceLimits?: ThreadResourceLimits | undefined;
}

/**
 * Per-worker limits of a {@linkcode ThreadPoolExecutor}, in MiB.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type ThreadResourceLimits } from "@concurrent/futures/thread";
 *
 * const resourceLimits: ThreadResourceLimits = { maxOldGenerationSizeMb: 256 };
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits });
 * ```
 */
export interface ThreadResourceLimits {
  /**
   * The main heap's size.
   *
   * @default {undefined} (the runtime's default)
   */
  maxOldGenerationSizeMb?: number | undefined;
  /**
   * The heap space for recently created objects.
   *
   * @default {undefined} (the runtime's default)
   */
  maxYoungGenerationSizeMb?: number | undefined;
  /**
   * The space for generated code.
   *
   * @default {undefined} (the runtime's default)
   */
  codeRangeSizeMb?: number | undefined;
  /**
   * The thread's stack.
   *
   * @default {undefined} (the runtime's default)
   */
  stackSizeMb?: number | undefined;
}

const LIMITS = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
] as const;

function checkLimits(value: unknown, action: string): ThreadResourceLimits | undefined {
  if (value === undefined) return undefined;
  const limits = checkOptions(value as ThreadResourceLimits, action, LIMITS);
  const checked: ThreadResourceLimits = {};
  for (const key of LIMITS) {
    const limit = limits[key];
    if (limit === undefined) continue;
    if (typeof limit !== "number") {
      throw new TypeError(
        `Cannot ${action}: resourceLimits.${key} must be a number of MiB, received ${typeof limit}`,
      );
    }
    if (!(limit > 0) || limit === Infinity) {
      throw new RangeError(
        `Cannot ${action}: resourceLimits.${key} must be a finite number of MiB > 0, received ${limit}`,
      );
    }
    checked[key] = limit;
  }
  return checked;
}

let executors = 0;

/**
 * Runs tasks on a pool of worker threads, as Python's `ThreadPoolExecutor`.
 *
 * An idle executor never keeps the program alive, while pending work does; a
 * script that forgets `shutdown()` still exits once its results are in.
 * A worker that dies outside a task breaks the pool: every pending and
 * running future fails with {@linkcode BrokenThreadPool}, never left pending.
 *
 * In Deno, a running task cannot be stopped (a busy thread ignores
 * `terminate()`); use a `ProcessPoolExecutor` for work you may need to kill.
 *
 * @typeParam I The initializer's parameter types, inferred from the
 * options, so that `initargs` is checked against them.
 *
 * @example Map with chunks, then shut down with `await using`
 * ```ts
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor();
 * const doubled = [];
 * for await (const x of executor.map((n: number) => n * 2, [1, 2, 3, 4], { chunksize: 2 })) {
 *   doubled.push(x);
 * }
 * assert.deepEqual(doubled, [2, 4, 6, 8]);
 * ```
 */
export class ThreadPoolExecutor<I extends unknown[] = never> extends PoolExecutor {
  /**
   * Makes a thread pool. No thread starts until the first `submit`, but
   * `minWorkers` threads, which start at once.
   *
   * @param options The pool's size, names and worker initializer.
   * @throws {RangeError} If `maxWorkers` is not a positive integer,
   * `minWorkers` not an integer from 0 to `maxWorkers`, or `idleTimeout`
   * negative or NaN.
   * @throws {TypeError} For an option of the wrong type, an unknown option,
   * or an `initializer` that cannot be sent to a worker.
   */
  constructor(options?: ThreadPoolExecutorOptions<I>) {
    super(threadPool(options));
    noteNewExecutor();
  }
}

function threadPool(options: ThreadPoolExecutorOptions | undefined): Pool {
  const action = "create ThreadPoolExecutor";
  const { threadNamePrefix, resourceLimits, ...rest } = checkOptions(options, action, [
    ...POOL_OPTIONS,
    "threadNamePrefix",
    "resourceLimits",
  ]);
  const limits = checkLimits(resourceLimits, action);
  if (threadNamePrefix !== undefined && typeof threadNamePrefix !== "string") {
    throw new TypeError(
      `Cannot ${action}: threadNamePrefix must be a string, received ${typeof threadNamePrefix}`,
    );
  }
  return new Pool({
    ...executorSetup(rest, action),
    what: "thread pool",
    namePrefix: threadNamePrefix ?? `ThreadPoolExecutor-${executors++}`,
    maxTasksPerWorker: undefined,
    sharedCancel: true,
    broken: (message, init) => new BrokenThreadPool(message, init),
    start: (name, events) => startThread(name, events, limits),
  });
}
