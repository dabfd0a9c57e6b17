// Copyright 2026 the @concurrent/futures authors. MIT license.
// Validation of the options both pool executors share.

import type { ShutdownOptions } from "../_future/executor.ts";
import { type DescribedTask, describeTask } from "../_future/tasks.ts";
import { checkBoolean, checkOptions, checkPositiveInteger, describe } from "../_future/validate.ts";

/** Checks an options object and refuses unknown keys, as Python refuses unknown keywords. */
export function checkOptionsObject<T extends object>(
  options: T | undefined,
  action: string,
  known: readonly string[],
): Partial<T> {
  const checked = checkOptions(options, action);
  for (const key of Object.keys(checked)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `Cannot ${action}: unknown option ${JSON.stringify(key)}, expected one of ${
          known.join(", ")
        }`,
      );
    }
  }
  return checked;
}

/** The validated options common to both pools. */
export interface ExecutorSetup {
  maxWorkers: number;
  initializer: DescribedTask | undefined;
  initargs: unknown[];
}

/** Validates `maxWorkers`, `initializer` and `initargs`. */
export function executorSetup(
  options: { maxWorkers?: unknown; initializer?: unknown; initargs?: unknown },
  action: string,
): ExecutorSetup {
  const maxWorkers = checkPositiveInteger(options.maxWorkers, "maxWorkers", action) ??
    Math.max(1, navigator.hardwareConcurrency || 1);
  const initializer = options.initializer === undefined
    ? undefined
    : describeTask(options.initializer, action);
  const initargs = options.initargs ?? [];
  if (!Array.isArray(initargs)) {
    throw new TypeError(
      `Cannot ${action}: initargs must be an array, received ${describe(initargs)}`,
    );
  }
  return { maxWorkers, initializer, initargs };
}

/** Validates the options of `shutdown` and fills in the defaults. */
export function checkShutdownOptions(
  options: ShutdownOptions | undefined,
): { wait: boolean; cancelFutures: boolean } {
  const action = "shut down executor";
  const { wait, cancelFutures } = checkOptions(options, action);
  return {
    wait: checkBoolean(wait, "wait", action) ?? true,
    cancelFutures: checkBoolean(cancelFutures, "cancelFutures", action) ??
      false,
  };
}
