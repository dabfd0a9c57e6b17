// Copyright 2026 the @concurrent/futures authors. MIT license.
// Results: what a worker says, read and checked. Each result settles its
// future in the order the worker was sent the tasks; the worker's timing
// feeds its send-ahead window and the stats; a message that is not the
// protocol, or a result the worker could not have made, breaks the pool.
// Hand-backs (a child's tasks taken by an idle worker) go back to the
// queue's front. The Pool then decides whether to dispatch (see `Heard`).

import { ChunkFailure } from "../_future/chunk.ts";
import { type Future, setPendingAgain } from "../_future/future.ts";
import { describe } from "../_future/validate.ts";
import {
  DONE_BUSY,
  DONE_RESULTS,
  type DoneMessage,
  FROM_TYPE,
  isFromWorker,
  isOurs,
  Msg,
  RESULT_ID,
  RESULT_STATUS,
  RESULT_STRIDE,
  RESULT_VALUE,
  Status,
  type Thrown,
} from "../_wire/protocol.ts";
import { fromThrown, isThrown } from "../_wire/thrown.ts";
import type { TaskQueue } from "./queue.ts";
import type { Tally } from "./stats.ts";
import type { Job, WorkerHandle } from "./worker_handle.ts";

/** What a message from a worker asks of the Pool next. */
export const Heard = {
  /** Nothing: ignored, or it broke the pool, or it only armed a task. */
  Nothing: 0,
  /** The worker reported results: it may go idle; dispatch if shut down. */
  Progress: 1,
  /** As Progress, and dispatch: the worker has room, or tasks came back. */
  Dispatch: 2,
} as const;
/** What a message from a worker asks of the Pool next. */
export type Heard = (typeof Heard)[keyof typeof Heard];

/** What the results room is given once, at the pool's construction. */
export interface ResultsSetup {
  /** The pool's queue: tasks handed back go to its front. */
  readonly queue: TaskQueue;
  /** Counts what completed and failed, and the workers' busy time. */
  readonly tally: Tally;
  /** For the room a worker has left (undefined: no limit). */
  readonly maxTasksPerWorker: number | undefined;
  /** Arms the call options of a worker's front task once it runs. */
  readonly control: { checkFront(w: WorkerHandle): void };
  /** Breaks the pool (every future fails; the workers are stopped). */
  readonly break: (reason: string, cause: unknown) => void;
}

/** Reads the messages of the pool's workers and settles their futures. */
export class Results {
  readonly #queue: TaskQueue;
  readonly #tally: Tally;
  readonly #maxTasks: number | undefined;
  readonly #control: { checkFront(w: WorkerHandle): void };
  readonly #break: (reason: string, cause: unknown) => void;

  constructor(setup: ResultsSetup) {
    this.#queue = setup.queue;
    this.#tally = setup.tally;
    this.#maxTasks = setup.maxTasksPerWorker;
    this.#control = setup.control;
    this.#break = setup.break;
  }

  /** Reads one message from `w` (anything it posted); says what comes next. */
  receive(w: WorkerHandle, message: unknown): Heard {
    // A thread stopped for a task may still speak (Deno cannot stop one busy
    // in a loop): what it held is decided by its cancel ring (see
    // CallControl.afterStop).
    if (w.stoppedFor && w.slots) return Heard.Nothing;
    // A task's own postMessage (a progress idiom of web workers): not ours.
    if (!isOurs(message, w.token)) return Heard.Nothing;
    if (!isFromWorker(message)) {
      return this.#broke(
        `worker ${w.name} sent a message that is not the pool's protocol`,
        new TypeError(`Received ${describe(message)}`),
      );
    }
    switch (message[FROM_TYPE]) {
      case Msg.Done:
        return this.#done(w, message);
      case Msg.Returned:
        return this.#returned(w, message.slice(2));
      case Msg.Ready:
        w.ready = true;
        this.#control.checkFront(w);
        return Heard.Nothing;
      case Msg.InitFailed:
        return this.#broke("a worker's initializer threw", fromThrown(message[2]));
      case Msg.Fatal:
        return this.#broke(`worker ${w.name} threw outside a task`, fromThrown(message[2]));
    }
  }

  // Settles each result in order. Checked while the job is still in flight,
  // so that a bad result breaks the pool with it: its future fails with the
  // rest.
  #done(w: WorkerHandle, message: DoneMessage): Heard {
    const tally = this.#tally;
    let settled = 0;
    let early: Job[] | undefined;
    for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
      const status = message[at + RESULT_STATUS];
      const value = message[at + RESULT_VALUE];
      const sent = w.inflight.peek();
      if (!sent || sent.job.id !== message[at + RESULT_ID]) {
        return this.#broke(`worker ${w.name} sent a result out of order`, undefined);
      }
      if (!isResult(status, value) || (sent.moved && status !== Status.Cancelled)) {
        return this.#broke(`worker ${w.name} sent a result it could not have made`, undefined);
      }
      w.inflight.shift();
      if (sent.moved) {
        w.stale--; // another worker runs it
      } else if (sent.asked && status === Status.Cancelled) {
        // A child's hand-back, reported before its answer arrived.
        (early ??= []).push(w.handedBackEarly(sent));
      } else {
        settled++;
        const outcome = settle(sent.job.future, status, value);
        if (outcome === Outcome.Completed) tally.completed++;
        else if (outcome === Outcome.Failed) tally.failed++;
      }
    }
    tally.busyMs += message[DONE_BUSY];
    if (tally.times && settled > 0) tally.times.run.add(message[DONE_BUSY] / settled, settled);
    return this.#progressed(w, message, early);
  }

  // After a worker's results: its window learns their cost, its next task
  // may be armed, and tasks it handed back early go first in the queue.
  // Results come one message each: dispatch only when this worker has room
  // for more or went idle (the others are served by their own results).
  #progressed(w: WorkerHandle, message: DoneMessage, early: Job[] | undefined): Heard {
    const now = performance.now();
    if (early) this.#queue.putBack(early);
    w.progressed((message.length - DONE_RESULTS) / RESULT_STRIDE, message[DONE_BUSY], now);
    this.#control.checkFront(w);
    const room = this.#queue.length > 0 ? w.capacity(now, this.#maxTasks) > 0 : w.live === 0;
    // Tasks handed back go to the idle worker that asked for them.
    return room || early ? Heard.Dispatch : Heard.Progress;
  }

  // A child handed back tasks it had not started: they go first in the
  // queue, for the idle worker that asked for them.
  #returned(w: WorkerHandle, ids: number[]): Heard {
    const jobs = w.handedBack(ids);
    if (!jobs) {
      return this.#broke(`worker ${w.name} handed back a task it was not given`, undefined);
    }
    // Handed back by a halt (a stop): none of them began, and none is on its
    // way to a worker yet, so cancel() wins until one is sent again.
    if (w.stoppedFor) { for (const job of jobs) setPendingAgain(job.future); }
    this.#queue.putBack(jobs);
    return Heard.Dispatch;
  }

  #broke(reason: string, cause: unknown): Heard {
    this.#break(reason, cause);
    return Heard.Nothing;
  }
}

// False for a result no worker makes: a forged or corrupt message.
function isResult(status: unknown, value: unknown): status is Status {
  switch (status) {
    case Status.Ok:
    case Status.Void:
    case Status.Cancelled:
      return true;
    case Status.Error:
      return isThrown(value);
    case Status.ChunkError:
      return Array.isArray(value) && Array.isArray(value[0]) && isThrown(value[1]);
    default:
      return false;
  }
}

/** What settle did, for the pool's counts (an object, not an enum: erasable TypeScript). */
const Outcome = { None: 0, Completed: 1, Failed: 2 } as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

function settle(future: Future<unknown>, status: Status, value: unknown): Outcome {
  // Done already: cancelled before it started, or stopped (abort, timeLimit).
  if (future.done()) return Outcome.None;
  if (status === Status.Ok) future.setResult(value);
  else if (status === Status.Void) future.setResult(undefined);
  else if (status === Status.Error) {
    future.setException(fromThrown(value as Thrown));
    return Outcome.Failed;
  } else if (status === Status.ChunkError) {
    const [values, thrown] = value as [unknown[], Thrown];
    future.setException(new ChunkFailure(values, fromThrown(thrown)));
    return Outcome.Failed;
  } else return Outcome.None; // Cancelled: the future was cancelled first
  return Outcome.Completed;
}
