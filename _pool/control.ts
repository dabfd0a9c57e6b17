// Copyright 2026 the @concurrent/futures authors. MIT license.
// Per-call control of the tasks submitted through `executor.with()`: an
// abort or a time limit stops a running task. A task not started is simply
// cancelled; a running one fails at once, and its worker is stopped once
// the task is the front of what the worker holds (everything sent before it
// has reported then, so nothing is lost); what the worker held behind it
// goes back to the queue. The Pool calls `watch` on submit, `checkFront`
// after each send and each message, and `afterStop` at a stopped worker's
// exit; plain jobs (no call options) never reach this room.

import type { BrokenExecutor } from "../_future/errors.ts";
import { onDone, setPendingAgain } from "../_future/future.ts";
import type { Tally } from "./stats.ts";
import { timeLimitError } from "./stop.ts";
import type { Job, WorkerHandle } from "./worker_handle.ts";

// How often a time-limited task sent to a thread is checked for its start.
const CLAIM_POLL_MS = 5;

/** Stops tasks by their call options: an abort signal, a time limit. */
export class CallControl {
  readonly #workers: ReadonlySet<WorkerHandle>;
  readonly #tally: Tally;
  readonly #broken: (message: string, options: ErrorOptions) => BrokenExecutor;

  /**
   * `workers` are the pool's (a stopped task's worker is found there),
   * `tally` counts what fails here, `broken` makes the pool's error class.
   */
  constructor(
    workers: ReadonlySet<WorkerHandle>,
    tally: Tally,
    broken: (message: string, options: ErrorOptions) => BrokenExecutor,
  ) {
    this.#workers = workers;
    this.#tally = tally;
    this.#broken = broken;
  }

  /**
   * Watches a job submitted with call options, as it is queued: an abort
   * stops it from now on, and it stops listening once the job is done.
   */
  watch(job: Job): void {
    const call = job.call!;
    const signal = call.options.signal;
    if (signal?.aborted) {
      job.future.cancel(); // still queued: nothing has started
      return;
    }
    const abort = signal && (() => this.#stop(job, signal.reason));
    if (abort) signal.addEventListener("abort", abort, { once: true });
    onDone(job.future, () => {
      if (abort) signal.removeEventListener("abort", abort);
      if (call.timer !== undefined) clearTimeout(call.timer);
    });
  }

  // A task not started is cancelled; a running one fails with `reason` now,
  // and its worker is stopped once the task is the front of what the worker
  // holds (tasks before it have then reported, so none is lost).
  #stop(job: Job, reason: unknown): void {
    const future = job.future;
    if (future.done() || future.cancel()) return;
    job.call!.stopped = true;
    this.#tally.failed++;
    future.setException(reason);
    for (const w of this.#workers) {
      if (w.running() === job) return this.#stopWorker(w);
    }
  }

  /**
   * Arms the call options of the task now at the front of `w` (called after
   * each batch sent to it and each message from it): it runs there now.
   */
  checkFront(w: WorkerHandle): void {
    if (w.running()?.call) this.#atFront(w);
  }

  // The front of a worker's in-flight tasks is a task with call options.
  #atFront(w: WorkerHandle): void {
    if (w.stoppedFor) return;
    const job = w.running()!;
    const call = job.call!;
    if (call.stopped) return this.#stopWorker(w);
    const ms = call.options.timeLimit;
    // A child's start (50–70 ms, more on a loaded machine) is not the task's.
    if (ms !== undefined && call.timer === undefined && w.ready) this.#armTimeLimit(job, ms);
  }

  // The limit counts from the task's start. A child's task counts as started
  // once it is the front of what the child holds and the child is ready
  // (Msg.Ready: up, its initializer done); a thread's is pending until
  // the thread claims it (a new thread is still starting up), so look again
  // every few milliseconds until then.
  #armTimeLimit(job: Job, ms: number): void {
    const call = job.call!;
    const check = () => {
      if (job.future.done()) return;
      call.timer = job.future.state === "pending"
        ? setTimeout(check, CLAIM_POLL_MS)
        : setTimeout(() => this.#stop(job, timeLimitError(ms)), ms);
    };
    check();
  }

  // Stops a worker for the stopped task at its front. The pool stays whole:
  // the exit is expected, and a new worker takes what the old one held.
  #stopWorker(w: WorkerHandle): void {
    if (w.state === "stopping" || w.state === "exited" || w.stoppedFor) return;
    // False: a thread began the next task, so the stopped one has finished.
    if (!w.holdBack()) return;
    w.stoppedFor = w.running();
    // A thread's tasks behind it can no longer start there (their slots are
    // claimed): pending again at once, so cancel() wins until they are resent.
    if (w.slots) {
      for (const { job, moved } of w.inflight) {
        if (!moved && job !== w.stoppedFor) setPendingAgain(job.future);
      }
      return w.stop("SIGKILL");
    }
    // A child may have finished the stopped task and run others, their
    // results not written yet (bursts): it says which never began.
    w.halt();
  }

  /**
   * After `w`, stopped for a task, exited: returns, in order, the tasks it
   * held and never began, pending again, for the front of the queue. One it
   * may have begun (a child's, see below) fails instead: nothing runs twice.
   */
  afterStop(w: WorkerHandle): Job[] {
    // Moved tasks went to another worker already: only this one's own.
    const jobs = w.inflight.drain().filter((sent) => !sent.moved).map((sent) => sent.job);
    // A child's tasks not handed back by its halt may have begun (a thread's
    // cannot: holdBack claimed their slots).
    const back: Job[] = [];
    for (const job of jobs) {
      if (job.future.done()) continue;
      const error = this.#cannotRequeue(w, job, !w.slots && job !== w.stoppedFor);
      if (error) {
        this.#tally.failed++;
        job.future.setException(error);
        continue;
      }
      if (job.call?.timer !== undefined) {
        clearTimeout(job.call.timer);
        job.call.timer = undefined;
      }
      setPendingAgain(job.future);
      back.push(job);
    }
    return back;
  }

  // Why a task a stopped worker held cannot run elsewhere, if it cannot.
  #cannotRequeue(w: WorkerHandle, job: Job, unsure: boolean): Error | undefined {
    if (unsure) {
      return this.#broken(
        `worker ${w.name} was stopped to stop another task (an abort or a timeLimit) just as it may have begun this one`,
        {},
      );
    }
    if (w.slots && job.call?.options.transfer?.length) {
      return new TypeError(
        `Cannot run the task: the buffers it transferred went with worker ${w.name}, which was stopped to stop another task before this one began`,
      );
    }
    return undefined;
  }
}
