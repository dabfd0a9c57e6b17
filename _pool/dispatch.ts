// Copyright 2026 the @concurrent/futures authors. MIT license.
// Dispatch: which worker gets which queued task, and the message that takes
// them there. Each worker is sent a fair share of the queue, up to its
// send-ahead window (WorkerHandle.capacity), several tasks to a message;
// a worker that idles while others hold tasks they have not started takes
// some of them (rebalance). The Pool decides when to dispatch; this room
// only reads the queue and the workers, and writes messages.

import type { Transferable } from "../_future/call.ts";
import { setStartProbe } from "../_future/future.ts";
import { appendTask, type FnDef, Msg, type RunMessage, TaskKind } from "../_wire/protocol.ts";
import type { Functions } from "./functions.ts";
import type { TaskQueue } from "./queue.ts";
import type { Tally } from "./stats.ts";
import type { Job, WorkerHandle } from "./worker_handle.ts";

// A run message ends with the map chunk that brings its chunks' arguments to
// this many (9 chunks of 1000, about 72 KB to a child). Bun's process
// map, 200,000 items in chunks of 1000, same process, alternating with one
// message per batch (31 rounds, twice): 0.95x the time, the first item
// 1.2-1.8 ms sooner; a batch used to reach a child as one frame of up to
// 400 KB, which it read whole before its first task.
const CHUNK_VALUES_PER_MESSAGE = 8192;

/** What dispatch is given once, at the pool's construction. */
export interface DispatchSetup {
  /** The pool's queue: dispatch takes tasks from its front. */
  readonly queue: TaskQueue;
  /** The pool's workers. */
  readonly workers: ReadonlySet<WorkerHandle>;
  /** Definitions of the functions a worker has not been sent yet. */
  readonly functions: Functions;
  /** Counts a task that cannot be sent as failed; times waits. */
  readonly tally: Tally;
  /** A worker retires after this many tasks (undefined: never). */
  readonly maxTasksPerWorker: number | undefined;
  /** Threads: tasks sent ahead are taken back through the cancel ring. */
  readonly sharedCancel: boolean;
  /** Called after each batch that reached `w`: it is busy, and its front may be new. */
  readonly sent: (w: WorkerHandle) => void;
}

/** Sends queued tasks to workers, and moves unstarted ones to idle workers. */
export class Dispatcher {
  readonly #queue: TaskQueue;
  readonly #workers: ReadonlySet<WorkerHandle>;
  readonly #functions: Functions;
  readonly #tally: Tally;
  readonly #maxTasks: number | undefined;
  readonly #sharedCancel: boolean;
  readonly #sent: (w: WorkerHandle) => void;

  constructor(setup: DispatchSetup) {
    this.#queue = setup.queue;
    this.#workers = setup.workers;
    this.#functions = setup.functions;
    this.#tally = setup.tally;
    this.#maxTasks = setup.maxTasksPerWorker;
    this.#sharedCancel = setup.sharedCancel;
    this.#sent = setup.sent;
  }

  /**
   * Sends queued tasks to the workers taking tasks, the least busy first, a
   * fair share each and no more than each one's window; cancelled tasks met
   * on the way are dropped. A worker given its last task retires.
   */
  sendQueued(): void {
    const queue = this.#queue;
    const now = performance.now();
    const workers = [...this.#workers].filter((w) => w.state === "running")
      .sort((a, b) => a.live - b.live);
    let left = workers.length;
    for (const w of workers) {
      // A fair share each, so a burst spreads over every worker.
      let share = Math.ceil(queue.length / left--);
      // Loop, because a task that cannot be sent fails at once and leaves
      // its place in the worker's window to the next one.
      while (share > 0 && queue.length > 0) {
        const count = Math.min(share, w.capacity(now, this.#maxTasks));
        if (count <= 0) break;
        const jobs: Job[] = [];
        while (jobs.length < count && queue.length > 0) {
          const job = queue.shift()!;
          if (!job.future.cancelled()) jobs.push(job);
        }
        share -= count;
        if (jobs.length > 0) this.#send(w, jobs, now);
      }
      if (w.assigned === this.#maxTasks) w.state = "retiring";
    }
  }

  /**
   * Work-conserving: while a worker idles, no unstarted task waits behind a
   * busy one. An idle worker takes tasks sent ahead to another: a thread's by
   * winning their slots in the cancel ring (sent at once), a child's by
   * asking it to hand back what it has not started (its answer arrives as
   * Msg.Returned, and the Pool queues those tasks first).
   */
  rebalance(): void {
    const now = performance.now();
    for (const thief of this.#workers) {
      if (thief.state !== "running" || thief.live > 0) continue;
      let victim: WorkerHandle | undefined;
      let most = 0;
      for (const w of this.#workers) {
        const spare = w === thief ? 0 : w.spare();
        if (spare > most) [victim, most] = [w, spare];
      }
      if (!victim) return;
      const max = Math.min(most, thief.capacity(now, this.#maxTasks));
      if (max <= 0) continue;
      if (!this.#sharedCancel) victim.askBack(max);
      else {
        const jobs = victim.takeBack(max);
        if (jobs.length > 0) this.#send(thief, jobs, now);
      }
    }
  }

  // A batch's map chunks go several to a message (CHUNK_VALUES_PER_MESSAGE):
  // the worker starts on the first message while the next is on its way, and
  // answers message by message rather than once the whole batch has run.
  #send(w: WorkerHandle, jobs: Job[], now: number): void {
    let from = 0;
    let values = 0;
    for (let i = 0; i < jobs.length - 1; i++) {
      const job = jobs[i]!;
      if (job.kind !== TaskKind.Chunk) continue;
      values += (job.args[1] as unknown[]).length; // args: argc, flat arguments
      if (values >= CHUNK_VALUES_PER_MESSAGE) {
        this.#sendMessage(w, jobs.slice(from, i + 1), now);
        from = i + 1;
        values = 0;
      }
    }
    this.#sendMessage(w, from === 0 ? jobs : jobs.slice(from), now);
  }

  // One message for the batch: the definitions `w` lacks, then each task.
  #sendMessage(w: WorkerHandle, jobs: Job[], now: number): void {
    const defs: FnDef[] = [];
    const message: RunMessage = [Msg.Run, null];
    let transfer: Transferable[] | undefined;
    for (const job of jobs) {
      if (!w.known.has(job.fnId) && !defs.some(([id]) => id === job.fnId)) {
        defs.push([job.fnId, this.#functions.spec(job.fnId)]);
      }
      appendTask(message, job.id, job.fnId, job.kind, job.args);
      if (job.call?.options.transfer) (transfer ??= []).push(...job.call.options.transfer);
    }
    if (defs.length) message[1] = defs;
    const firstSlot = w.reserveSlots(jobs.length);
    try {
      w.transport.send(message, transfer);
    } catch (error) {
      return this.#unsendable(w, jobs, now, error);
    }
    for (const [id] of defs) w.known.add(id);
    const probes = w.sent(jobs, firstSlot, now);
    for (let i = 0; i < jobs.length; i++) {
      const future = jobs[i]!.future;
      if (probes) setStartProbe(future, probes[i]!);
      // A child's task counts as running once sent (as in CPython's call
      // queue); one handed back and sent again is running already.
      else if (future.state === "pending") future.setRunningOrNotifyCancel();
    }
    if (this.#tally.times) this.#tally.waited(jobs, now);
    this.#sent(w);
  }

  // Something in the batch cannot cross (nothing was sent): find it by
  // sending one by one; that task fails, the others go.
  #unsendable(w: WorkerHandle, jobs: Job[], now: number, error: unknown): void {
    if (jobs.length > 1) return jobs.forEach((job) => this.#sendMessage(w, [job], now));
    const detail = error instanceof Error ? error.message : String(error);
    this.#tally.failed++;
    jobs[0]!.future.setException(
      new TypeError(`Cannot send the task to a worker: ${detail}`, { cause: error }),
    );
  }
}
