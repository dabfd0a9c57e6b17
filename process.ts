// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * {@linkcode ProcessPoolExecutor}: Python's `ProcessPoolExecutor` on child
 * processes of the same runtime (`deno run`, `bun` or `node`), for work that must be
 * isolated or may need to be killed.
 *
 * Tasks take the same forms as with threads (inline functions by source,
 * module exports by {@linkcode fromModule}), and the same values cross.
 * What a task prints reaches this process's stdout and stderr unchanged.
 *
 * @example Run a function in a child process
 * ```ts
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
 * const future = executor.submit((a: bigint, b: bigint) => a ** b, 2n, 70n);
 * assert.equal(await future.result(), 2n ** 70n);
 * ```
 *
 * @module
 */

import type { DenoPermissions } from "./_runtime/deno/permissions.ts";
import { BrokenProcessPool } from "./_future/errors.ts";
import { executorSetup, POOL_OPTIONS } from "./_pool/options.ts";
import { Pool } from "./_pool/pool.ts";
import { checkDenoConfig } from "./_runtime/deno/config.ts";
import { planProcesses, startProcess } from "./_runtime/process_transport.ts";
import { noteNewExecutor } from "./_runtime/dev_reload.ts";
import type { Task } from "./_future/tasks.ts";
import { PoolExecutor } from "./_pool/executor.ts";
import { checkOptions, checkPositiveInteger } from "./_future/validate.ts";

export type { DenoPermissions } from "./_runtime/deno/permissions.ts";
export { BrokenProcessPool } from "./_future/errors.ts";
export { fromModule, type ModuleTask, type ModuleTasks, type Task } from "./_future/tasks.ts";
export { QueueFullError } from "./_future/errors.ts";
export { PoolExecutor } from "./_pool/executor.ts";
export type { ListenerOptions, PoolEventMap, WorkerExitReason } from "./_pool/events.ts";
export type { ExecutorStats, Percentiles } from "./_pool/stats.ts";

/**
 * Options of {@linkcode ProcessPoolExecutor}.
 *
 * @typeParam I The initializer's parameter types, which `initargs` must
 * match; inferred by the constructor. Without it (`never`), any initializer
 * and any `initargs` type-check.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from "@concurrent/futures/process";
 * import assert from "node:assert/strict";
 *
 * const options: ProcessPoolExecutorOptions = { maxWorkers: 1, maxTasksPerChild: 2 };
 * await using executor = new ProcessPoolExecutor(options);
 * const pids = [];
 * for (let i = 0; i < 3; i++) pids.push(await executor.submit(() => process.pid).result());
 * assert.equal(pids[0], pids[1]);
 * assert.notEqual(pids[1], pids[2]);
 * ```
 */
export interface ProcessPoolExecutorOptions<I extends unknown[] = never> {
  /**
   * The most child processes to run at once. Children start lazily, one per
   * `submit` while none is idle.
   *
   * @default {navigator.hardwareConcurrency}
   */
  maxWorkers?: number | undefined;
  /**
   * How many children to start at construction and keep: a server can start
   * them before its first request, so that growing the pool never stalls
   * it (see the README's Runtime notes). At most `maxWorkers`.
   *
   * @default {0}
   */
  minWorkers?: number | undefined;
  /**
   * Milliseconds a child process above `minWorkers` may sit idle before it exits; the
   * pool starts children again on demand. `Infinity` keeps them, as Python does.
   *
   * @default {Infinity}
   */
  idleTimeout?: number | undefined;
  /**
   * The most tasks that may wait for a worker; beyond it `submit` throws
   * {@linkcode QueueFullError} at once (a server answers 503), and `map`
   * waits instead. `Infinity` never refuses, as Python does.
   *
   * Waiting means in the pool's queue, not yet sent to a child. Tasks a
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
   * Runs once in each child before its first task, with `initargs`; it may be
   * async. If it throws, the pool is broken: pending futures fail with
   * {@linkcode BrokenProcessPool} and `submit` throws it.
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
   * Replaces a child with a fresh one after it has run this many tasks (a
   * chunk of `map` counts as one), to bound leaks in long-running pools.
   *
   * @default {undefined} (children live as long as the pool)
   */
  maxTasksPerChild?: number | undefined;
  /**
   * Deno only: the permissions of each child, instead of the default (the
   * parent's whole-permission grants, such as `--allow-net`, plus reading the
   * task modules). Needed when the parent runs with partial grants such as
   * `--allow-read=/data`, which Deno cannot report, and when it runs with a
   * `--deny-*` flag: then the pool refuses to start without this option. A
   * child never gets more than the parent: asking for more is a `TypeError`.
   *
   * @default {undefined}
   */
  denoPermissions?: DenoPermissions | undefined;
  /**
   * Deno only: the deno.json (a path or `file:` URL) whose import map, lock
   * file and `nodeModulesDir` the children resolve task modules' imports
   * with (`deno run --config`), or `false` for none. By default, the one
   * Deno found for this program: the nearest `deno.json` or `deno.jsonc` in
   * the main module's folder or above (or, failing that, a `package.json`
   * there, for its `node_modules`), searched as far as this program may read.
   * Name it when this program was started with `--config`, `--no-config`,
   * `--import-map` or `--lock`, which Deno does not tell a program about.
   *
   * @default {undefined}
   */
  denoConfig?: string | URL | false | undefined;
}

/**
 * Runs tasks in a pool of child processes, as Python's
 * `ProcessPoolExecutor`.
 *
 * A child that exits, crashes or is killed while the pool is open breaks
 * it: every pending and running future fails with
 * {@linkcode BrokenProcessPool}, whose `cause` names the exit code or signal.
 * Children exit by themselves when this process dies, even by `SIGKILL`.
 * An idle pool never keeps the program alive; pending work does.
 *
 * @typeParam I The initializer's parameter types, inferred from the
 * options, so that `initargs` is checked against them.
 *
 * @example Stop every child at once
 * ```ts
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 * import assert from "node:assert/strict";
 *
 * const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
 * assert.equal(await executor.submit(() => 42).result(), 42);
 * await executor.killWorkers();
 * assert.throws(() => executor.submit(() => 1), Error);
 * ```
 */
export class ProcessPoolExecutor<I extends unknown[] = never> extends PoolExecutor {
  // Also held by the base class; kept here for terminateWorkers/killWorkers.
  readonly #pool: Pool;

  /**
   * Makes a process pool. No child starts until the first `submit`, but
   * `minWorkers` children, which start at once.
   *
   * @param options The pool's size, initializer, child lifetime and (Deno)
   * permissions.
   * @throws {Error} If this runtime cannot start child processes; in a
   * binary made by `deno compile` or a Node single-executable application;
   * inside a process pool's child (a worker cannot start a pool of its own);
   * (Deno) without permission to run `Deno.execPath()`, or holding a
   * permission only in part (a `--deny-*` flag) that `denoPermissions` does
   * not spell out; or (Node, under `--permission`) without
   * `--allow-child-process` and `--allow-worker`. A Node child is started
   * with this process's flags, permissions included: it holds what this
   * process holds.
   * @throws {RangeError} If `maxWorkers` or `maxTasksPerChild` is not a
   * positive integer, `minWorkers` not an integer from 0 to `maxWorkers`, or
   * `idleTimeout` negative or NaN, or `maxQueue` not a positive integer or
   * `Infinity`.
   * @throws {TypeError} For an option of the wrong type, an unknown option,
   * or an `initializer` that cannot be sent to a child.
   */
  constructor(options?: ProcessPoolExecutorOptions<I>) {
    const pool = processPool(options);
    super(pool);
    this.#pool = pool;
    noteNewExecutor();
  }

  /**
   * Sends `SIGTERM` to every child at once and shuts the executor down: what
   * was running or pending fails with {@linkcode BrokenProcessPool}.
   *
   * @returns A promise that resolves when every child has exited.
   */
  terminateWorkers(): Promise<void> {
    return this.#pool.terminate(
      "SIGTERM",
      "Process pool was stopped by terminateWorkers()",
    );
  }

  /**
   * Sends `SIGKILL` to every child at once and shuts the executor down: what
   * was running or pending fails with {@linkcode BrokenProcessPool}.
   *
   * @returns A promise that resolves when every child has exited.
   */
  killWorkers(): Promise<void> {
    return this.#pool.terminate(
      "SIGKILL",
      "Process pool was stopped by killWorkers()",
    );
  }
}

function processPool(options: ProcessPoolExecutorOptions | undefined): Pool {
  const action = "create ProcessPoolExecutor";
  const { maxTasksPerChild, denoPermissions, denoConfig, ...rest } = checkOptions(
    options,
    action,
    [...POOL_OPTIONS, "maxTasksPerChild", "denoPermissions", "denoConfig"],
  );
  const setup = executorSetup(rest, action);
  const maxTasksPerWorker = checkPositiveInteger(maxTasksPerChild, "maxTasksPerChild", action);
  // Decided once: what every child is started with (the runtime's plan).
  let plan = planProcesses({
    denoPermissions,
    denoConfig: checkDenoConfig(denoConfig, action),
  });
  return new Pool({
    ...setup,
    what: "process pool",
    namePrefix: "ProcessPoolExecutor",
    maxTasksPerWorker,
    sharedCancel: false,
    broken: (message, init) => new BrokenProcessPool(message, init),
    start: (name, events, modules) => {
      plan = plan.including(modules);
      return startProcess(name, events, plan);
    },
  });
}
