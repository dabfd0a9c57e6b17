// Copyright 2026 the @concurrent/futures authors. MIT license.
// Validation of the options both pool executors share.

import { type DescribedTask, describeTask } from "../_future/tasks.ts";
import { checkOptions, checkPositiveInteger, describe } from "../_future/validate.ts";

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
