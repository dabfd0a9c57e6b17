// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's queue: tasks submitted and not yet sent to a worker, oldest
// first. Tasks a worker gave back (a hand-back, a stopped worker's) go back
// to its front. The Pool owns the one queue; dispatch takes from its front.
//
// Its Backlog (maxQueue) counts the tasks waiting here that are not done, as
// they come and go, so stats() and submit never walk the queue. A queued
// task cancelled by its caller (future.cancel(), an abort) leaves the count
// at once: the queue's entry is the future's start probe until the task
// leaves the queue, and a probe hears every cancel(). The entry itself stays
// until dispatch passes it, or until the dead outnumber the living and the
// queue is compacted.

import { Backlog } from "../_future/backlog.ts";
import { setStartProbe, type StartProbe } from "../_future/future.ts";
import { Deque } from "../_util/deque.ts";
import type { Job } from "./worker_handle.ts";

// Compact only past this many dead entries, so a few cancellations never
// cost a copy of the queue.
const COMPACT_AT = 1024;

/** One queued job; counted in the backlog while it is queued and not done. */
class Entry implements StartProbe {
  counted = true;
  readonly job: Job;
  readonly queue: TaskQueue;

  constructor(job: Job, queue: TaskQueue) {
    this.job = job;
    this.queue = queue;
  }

  started(): boolean {
    return false; // queued: no worker has it
  }

  cancel(): boolean {
    if (this.counted) {
      this.counted = false;
      this.queue.cancelled();
    }
    return true; // nothing runs it: cancel() always wins here
  }
}

/**
 * The queue of tasks waiting for a worker: a ring-buffer deque (O(1) at
 * both ends), so a long queue never pays for `Array.shift`, and a `backlog`
 * that counts the tasks waiting against `maxQueue`.
 */
export class TaskQueue {
  /** The count of waiting tasks, its limit and its water marks. */
  readonly backlog: Backlog;
  readonly #entries = new Deque<Entry>();
  #dead = 0;

  /**
   * @param maxQueue The most tasks that may wait (`Backlog.admit` refuses more).
   * @param what Names the pool in the refusal, as "thread pool".
   */
  constructor(maxQueue = Infinity, what = "pool") {
    this.backlog = new Backlog(maxQueue, what);
  }

  /** Entries, cancelled ones included until dispatch passes them. */
  get length(): number {
    return this.#entries.length;
  }

  /** Queues a job at the back (a new task). */
  push(job: Job): void {
    if (this.#dead >= COMPACT_AT && this.#dead > this.backlog.size) this.#compact();
    this.#entries.push(this.#enter(job));
  }

  /** Puts `jobs` back at the front, in their order: they go out next. */
  putBack(jobs: readonly Job[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) this.#entries.unshift(this.#enter(jobs[i]!));
  }

  /** Takes the front job out of the queue. */
  shift(): Job | undefined {
    const entry = this.#entries.shift();
    if (entry) this.#leave(entry);
    return entry?.job;
  }

  /** The front job, left in place. */
  peek(): Job | undefined {
    return this.#entries.peek()?.job;
  }

  /** Takes every job out of the queue, in order. */
  drain(): Job[] {
    const entries = this.#entries.drain();
    for (const entry of entries) this.#leave(entry);
    return entries.map((entry) => entry.job);
  }

  /**
   * Whether a task that may still run waits here. A cancelled task stays
   * queued until dispatch passes it; those at the front are dropped here.
   */
  hasLive(): boolean {
    while (this.peek()?.future.cancelled()) this.shift();
    return this.length > 0;
  }

  /** The jobs queued, front first, cancelled ones included (for tests). */
  *[Symbol.iterator](): IterableIterator<Job> {
    for (const entry of this.#entries) yield entry.job;
  }

  /** Called by an entry whose future was cancelled while queued. */
  cancelled(): void {
    this.#dead++;
    this.backlog.remove();
  }

  #enter(job: Job): Entry {
    const entry = new Entry(job, this);
    // A handed-back child task is running already: no probe is asked then.
    setStartProbe(job.future, entry);
    this.backlog.add();
    return entry;
  }

  #leave(entry: Entry): void {
    if (entry.counted) {
      entry.counted = false;
      this.backlog.remove();
    } else this.#dead--;
  }

  // Drops the cancelled entries, keeping the order of the rest: a caller that
  // cancels what it queued (a server whose clients leave) cannot grow the
  // queue past twice what waits in it.
  #compact(): void {
    for (const entry of this.#entries.drain()) {
      if (entry.counted) this.#entries.push(entry);
    }
    this.#dead = 0;
  }
}
