// Copyright 2026 the @concurrent/futures authors. MIT license.
// Validation of the options both pool executors share.

import { checkMaxQueue } from "../_future/backlog.ts";
import { type DescribedTask, describeTask } from "../_future/tasks.ts";
import { checkMilliseconds, checkPositiveInteger, describe } from "../_future/validate.ts";

// The default maxQueue: a bound on memory (about 250 bytes and the arguments
// per waiting task: some 250 MB at most), never on a batch. Python's queue
// is unbounded, and scripts and benchmarks submit 10^4–10^5 tasks in a loop
// before they await any: a default of a few thousand would refuse them. A
// server sets its own from its latency budget (README, "Servers").
const DEFAULT_MAX_QUEUE = 2 ** 20;

/** The validated options common to both pools. */
export interface ExecutorSetup {
  maxWorkers: number;
  minWorkers: number;
  idleTimeout: number;
  maxQueue: number;
  initializer: DescribedTask | undefined;
  initargs: unknown[];
}

/** The option names every pool takes (each pool adds its own). */
export const POOL_OPTIONS = [
  "maxWorkers",
  "minWorkers",
  "idleTimeout",
  "maxQueue",
  "initializer",
  "initargs",
] as const;

/**
 * Validates `maxWorkers`, `minWorkers`, `idleTimeout`, `maxQueue`,
 * `initializer` and `initargs`.
 */
export function executorSetup(
  options: {
    maxWorkers?: unknown;
    minWorkers?: unknown;
    idleTimeout?: unknown;
    maxQueue?: unknown;
    initializer?: unknown;
    initargs?: unknown;
  },
  action: string,
): ExecutorSetup {
  const maxWorkers = checkPositiveInteger(options.maxWorkers, "maxWorkers", action) ??
    Math.max(1, globalThis.navigator?.hardwareConcurrency || 1); // Node 20 has no navigator
  const minWorkers = checkMinWorkers(options.minWorkers, maxWorkers, action);
  const idleTimeout = checkIdleTimeout(options.idleTimeout, action);
  const maxQueue = checkMaxQueue(options.maxQueue, DEFAULT_MAX_QUEUE, action);
  const initializer = options.initializer === undefined
    ? undefined
    : describeTask(options.initializer, action);
  const initargs = options.initargs ?? [];
  if (!Array.isArray(initargs)) {
    throw new TypeError(
      `Cannot ${action}: initargs must be an array, received ${describe(initargs)}`,
    );
  }
  return { maxWorkers, minWorkers, idleTimeout, maxQueue, initializer, initargs };
}

function checkMinWorkers(value: unknown, maxWorkers: number, action: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: minWorkers must be an integer >= 0, received ${describe(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Cannot ${action}: minWorkers must be an integer >= 0, received ${value}`);
  }
  if (value > maxWorkers) {
    throw new RangeError(
      `Cannot ${action}: minWorkers (${value}) must not exceed maxWorkers (${maxWorkers})`,
    );
  }
  return value;
}

function checkIdleTimeout(value: unknown, action: string): number {
  const ms = checkMilliseconds(value, "idleTimeout", action) ?? Infinity;
  // setTimeout holds at most 2^31 - 1 ms; anything longer is as good as never.
  return ms > 2 ** 31 - 1 ? Infinity : ms;
}
