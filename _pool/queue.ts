// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's queue: tasks submitted and not yet sent to a worker, oldest
// first. Tasks a worker gave back (a hand-back, a stopped worker's) go back
// to its front. The Pool owns the one queue; dispatch takes from its front.

import { Deque } from "../_util/deque.ts";
import type { Job } from "./worker_handle.ts";

/**
 * The queue of tasks waiting for a worker: a ring-buffer deque (O(1) at
 * both ends), so a long queue never pays for `Array.shift`.
 */
export class TaskQueue extends Deque<Job> {
  /** Puts `jobs` back at the front, in their order: they go out next. */
  putBack(jobs: readonly Job[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) this.unshift(jobs[i]!);
  }

  /**
   * Whether a task that may still run waits here. A cancelled task stays
   * queued until dispatch passes it; those at the front are dropped here.
   */
  hasLive(): boolean {
    while (this.peek()?.future.cancelled()) this.shift();
    return this.length > 0;
  }
}
