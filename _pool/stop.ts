// Copyright 2026 the @concurrent/futures authors. MIT license.
// Per-call control of one task submitted through `executor.with()` on a
// pool: its options, its time-limit timer, and whether it was stopped. Jobs
// submitted without options carry none of this, so plain submits pay nothing.

import type { CheckedCall } from "../_future/call.ts";
import { TimeoutError } from "../_future/errors.ts";

/** What a job submitted with call options carries. */
export interface JobCall {
  readonly options: CheckedCall;
  /**
   * The timeLimit timer: armed when the task reaches the front of its
   * worker's in-flight tasks, which is when the worker begins it.
   */
  timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Failed by an abort or its time limit while running: its worker is
   * stopped once the task is the front of what the worker holds.
   */
  stopped: boolean;
}

/** A fresh JobCall for one task, or undefined when there is nothing to control. */
export function jobCall(options: CheckedCall | undefined): JobCall | undefined {
  if (!options) return undefined;
  return { options, timer: undefined, stopped: false };
}

/** The error a task's future fails with when it runs past its `timeLimit`. */
export function timeLimitError(ms: number): TimeoutError {
  return new TimeoutError(`Task ran longer than its timeLimit of ${ms} ms and was stopped`);
}
