// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool core shared by both executors: the queue, the worker handles,
// dispatch, results, shutdown and the broken state. The executors differ only
// in how a worker starts and how messages reach it (a StartWorker and the
// Transport it returns).

import { ChunkFailure } from "../_future/chunk.ts";
import { type BrokenExecutor, ShutdownError } from "../_future/errors.ts";
import type { CheckedCall, Transferable } from "../_future/call.ts";
import { Future, onDone, setPendingAgain, setStartProbe } from "../_future/future.ts";
import { type DescribedTask, describeTask, sourceKey } from "../_future/tasks.ts";
import { Deque } from "../_util/deque.ts";
import {
  appendTask,
  DONE_BUSY,
  DONE_RESULTS,
  type FnDef,
  FROM_TYPE,
  isFromWorker,
  isOurs,
  Msg,
  RESULT_ID,
  RESULT_STATUS,
  RESULT_STRIDE,
  RESULT_VALUE,
  type RunMessage,
  Status,
  TaskKind,
  type TaskSpec,
  type Thrown,
} from "../_wire/protocol.ts";
import { fromThrown, isThrown } from "../_wire/thrown.ts";
import { describe } from "../_future/validate.ts";
import { fire, type WorkerExitReason } from "./events.ts";
import { type ExecutorStats, Samples } from "./stats.ts";
import { jobCall, timeLimitError } from "./stop.ts";
import type { ExitStatus, StartWorker } from "./transport.ts";
import { type Job, type Sent, WorkerHandle } from "./worker_handle.ts";

// How often a time-limited task sent to a thread is checked for its start.
const CLAIM_POLL_MS = 5;

/** How a pool differs by kind. */
export interface PoolConfig {
  /** "thread pool" or "process pool", for messages. */
  what: string;
  maxWorkers: number;
  /** Workers started at construction and kept (default 0). */
  minWorkers?: number;
  /** Ms a worker above `minWorkers` may idle before it exits (default Infinity). */
  idleTimeout?: number;
  /** Worker names are `${namePrefix}_${n}`. */
  namePrefix: string;
  initializer: DescribedTask | undefined;
  initargs: unknown[];
  maxTasksPerWorker: number | undefined;
  /** Threads share memory, so tasks sent ahead stay cancellable. */
  sharedCancel: boolean;
  broken: (message: string, options: ErrorOptions) => BrokenExecutor;
  /** Starts a worker. */
  start: StartWorker;
}

/** Runs tasks on up to `maxWorkers` workers. */
export class Pool {
  readonly #config: PoolConfig;
  readonly #queue = new Deque<Job>();
  readonly #workers = new Set<WorkerHandle>();
  readonly #fnIds = new Map<string, number>();
  readonly #fnSpecs: TaskSpec[] = [];
  readonly #modules = new Set<string>();
  readonly #drained: (() => void)[] = [];
  #nextId = 0;
  #started = 0;
  #scheduled = false;
  #shutdown = false;
  #broken: { reason: string; cause: unknown } | undefined;
  #terminated = false;
  // Counts for stats(): integer adds per message, never a clock read.
  #submitted = 0;
  #completed = 0;
  #failed = 0;
  #exited = 0;
  #busyMs = 0;
  #exitedAliveMs = 0;
  // Made by the first stats() call: from then on, tasks are timed.
  #times: { run: Samples; wait: Samples } | undefined;
  // Made by the first listener (PoolExecutor.addEventListener).
  #events: EventTarget | undefined;
  #idle = true;

  constructor(config: PoolConfig) {
    this.#config = config;
    if (config.initializer) this.#fnId(config.initializer);
    this.#keepMinimum();
  }

  /** Queues `task(...args)` (or a chunk of calls) and returns its future. */
  submit(
    task: unknown,
    args: unknown[],
    kind: TaskKind = TaskKind.Call,
    options?: CheckedCall,
  ): Future<unknown> {
    this.#checkOpen();
    const fnId = this.#fnIdOf(task);
    const future = new Future<unknown>();
    const job: Job = {
      id: this.#nextId++,
      future,
      fnId,
      kind,
      args,
      call: jobCall(options),
      queuedAt: this.#times ? performance.now() : 0,
    };
    this.#queue.push(job);
    this.#submitted++;
    this.#idle = false;
    if (job.call) this.#control(job);
    this.#adjustWorkers();
    if (!this.#scheduled) {
      // Dispatch after the caller's synchronous burst: one message per worker.
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#dispatch();
      });
    }
    return future;
  }

  /** Queues a chunk of calls of `task` as one task (for `map`'s chunksize). */
  submitChunk(
    task: unknown,
    argc: number,
    flatArgs: unknown[],
    options?: CheckedCall,
  ): Future<unknown[]> {
    return this.submit(task, [argc, flatArgs], TaskKind.Chunk, options) as Future<unknown[]>;
  }

  /** Stops taking tasks; see `Executor.shutdown`. */
  shutdown(wait: boolean, cancelFutures: boolean): Promise<void> {
    this.#shutdown = true;
    if (cancelFutures) {
      for (const job of this.#queue.drain()) job.future.cancel();
      // Tasks sent ahead to a thread but not started can still be cancelled.
      for (const w of this.#workers) {
        for (const { job } of w.inflight) job.future.cancel();
      }
    }
    this.#stopIdle();
    return wait ? this.#whenDrained() : Promise.resolve();
  }

  /** Stops every worker at once; what was running or pending fails. */
  terminate(signal: "SIGTERM" | "SIGKILL", reason: string): Promise<void> {
    this.#shutdown = true;
    this.#terminated = true;
    this.#fail(this.#queue.drain(), reason, undefined);
    for (const w of this.#workers) {
      this.#fail(jobsOf(w.inflight.drain()), reason, undefined);
      w.stop(signal);
    }
    return this.#whenDrained();
  }

  /** The pool's event target, made when the first listener comes. */
  get events(): EventTarget {
    return this.#events ??= new EventTarget();
  }

  /** A snapshot for `executor.stats()`; from the first call on, tasks are timed. */
  stats(): ExecutorStats {
    this.#times ??= { run: new Samples(), wait: new Samples() };
    const now = performance.now();
    let alive = 0, idle = 0, busy = 0, queued = 0, running = 0;
    let aliveMs = this.#exitedAliveMs;
    for (const w of this.#workers) {
      alive++;
      aliveMs += now - w.startedAt;
      if (w.live > 0) busy++;
      else if (w.state === "running") idle++;
      for (const { job: { future }, moved } of w.inflight) {
        if (moved || future.done()) continue; // a moved one is counted where it went
        // Sent ahead to a thread and not begun: still waiting.
        if (future.running()) running++;
        else queued++;
      }
    }
    for (const { future } of this.#queue) if (!future.done()) queued++;
    const submitted = this.#submitted, completed = this.#completed, failed = this.#failed;
    return {
      workers: { alive, idle, busy, started: this.#started, exited: this.#exited },
      tasks: {
        submitted,
        queued,
        running,
        completed,
        failed,
        // Every other future is done and was not settled here: cancelled.
        cancelled: submitted - completed - failed - queued - running,
      },
      utilization: aliveMs > 0 ? Math.min(1, this.#busyMs / aliveMs) : 0,
      runTime: this.#times.run.percentiles(),
      waitTime: this.#times.wait.percentiles(),
    };
  }

  // Per-call options (executor.with): an abort stops the task, and a time
  // limit is armed when the task reaches the front of its worker.
  #control(job: Job): void {
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
    this.#failed++;
    future.setException(reason);
    for (const w of this.#workers) {
      if (w.running() === job) return this.#stopWorker(w);
    }
  }

  // Called when the front of a worker's in-flight tasks is a task with call
  // options: the worker is running it now.
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
    }
    w.stop("SIGKILL");
  }

  // A worker stopped for a task has exited: what it held and never began
  // goes back to the front of the queue, in order; nothing runs twice.
  #onStopped(w: WorkerHandle): void {
    // Moved tasks went to another worker already: only this one's own.
    const jobs = w.inflight.drain().filter((sent) => !sent.moved).map((sent) => sent.job);
    // A child whose stopped task reported after the kill may have begun the
    // next task (a thread cannot: holdBack claimed its slot).
    const unsure = !w.slots && jobs[0] !== w.stoppedFor ? jobs[0] : undefined;
    const back: Job[] = [];
    for (const job of jobs) {
      if (job.future.done()) continue;
      let error: Error | undefined;
      if (job === unsure) {
        error = this.#config.broken(
          `worker ${w.name} was stopped to stop another task (an abort or a timeLimit) just as it may have begun this one`,
          {},
        );
      } else if (w.slots && job.call?.options.transfer?.length) {
        error = new TypeError(
          `Cannot run the task: the buffers it transferred went with worker ${w.name}, which was stopped to stop another task before this one began`,
        );
      }
      if (error) {
        this.#failed++;
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
    for (let i = back.length - 1; i >= 0; i--) this.#queue.unshift(back[i]!);
  }

  #whyExited(w: WorkerHandle, expected: boolean): WorkerExitReason {
    if (!expected) return "crashed";
    if (w.stoppedFor) return "stopped";
    if (this.#broken) return "broken";
    if (this.#terminated) return "terminated";
    return this.#shutdown ? "shutdown" : "retired";
  }

  #timeWaits(jobs: Job[], now: number): void {
    for (const job of jobs) {
      if (job.queuedAt > 0) this.#times!.wait.add(now - job.queuedAt);
    }
  }

  // Fires "drain" when the pool goes from busy to idle.
  #checkIdle(): void {
    if (this.#idle || this.#hasQueued()) return;
    for (const w of this.#workers) if (w.live > 0) return;
    this.#idle = true;
    fire(this.#events!, "drain", null);
  }

  #checkOpen(): void {
    if (this.#broken) {
      throw this.#config.broken(this.#brokenMessage(), {
        cause: this.#broken.cause,
      });
    }
    if (this.#shutdown) {
      throw new ShutdownError(
        `Cannot submit task: the ${this.#config.what} has been shut down`,
      );
    }
  }

  #brokenMessage(): string {
    const what = this.#config.what;
    return `${what[0]!.toUpperCase()}${what.slice(1)} is broken: ${this.#broken!.reason}`;
  }

  #fnIdOf(task: unknown): number {
    // Inline tasks are usually fresh closures (`submit((x) => x + 1, i)` in
    // a loop), so look them up by source before describing them anew.
    if (typeof task === "function") {
      const source = Function.prototype.toString.call(task);
      const id = this.#fnIds.get(sourceKey(source, task.name));
      if (id !== undefined) return id;
    }
    return this.#fnId(describeTask(task, "submit task"));
  }

  #fnId(task: DescribedTask): number {
    let id = this.#fnIds.get(task.key);
    if (id === undefined) {
      id = this.#fnSpecs.push(task.spec) - 1;
      this.#fnIds.set(task.key, id);
      if (task.spec.kind === "module" && !this.#modules.has(task.spec.module)) {
        this.#modules.add(task.spec.module);
        this.#retireUncovered(task.spec.module);
      }
    }
    return id;
  }

  // A worker that cannot load a module first submitted after it started
  // takes no more tasks; one started with the module replaces it, as a
  // worker retired by maxTasksPerWorker is replaced.
  #retireUncovered(module: string): void {
    for (const w of this.#workers) {
      if (w.state !== "running" || w.transport.covers?.(module) !== false) continue;
      w.state = "retiring";
      if (w.live === 0) w.stop("close");
    }
  }

  // As CPython: start a worker per submit while none is idle, up to the max.
  #adjustWorkers(): void {
    if (this.#workers.size >= this.#config.maxWorkers) return;
    let idle = 0;
    for (const w of this.#workers) {
      if (w.state === "running" && w.live === 0) idle++;
    }
    if (this.#queue.length > idle) this.#startWorker();
  }

  // Starts workers up to minWorkers: at construction, and when one below it
  // retires (maxTasksPerChild, a module it cannot load).
  #keepMinimum(): void {
    const min = this.#config.minWorkers ?? 0;
    while (!this.#shutdown && !this.#broken && this.#active() < min) this.#startWorker();
  }

  // Workers that are not on their way out.
  #active(): number {
    let n = 0;
    for (const w of this.#workers) if (w.state === "running" || w.state === "retiring") n++;
    return n;
  }

  // A worker above minWorkers that idles idleTimeout ms exits (unref'd: an
  // idle pool never keeps the program alive); the pool grows again on demand.
  #armIdleTimer(w: WorkerHandle): void {
    const timeout = this.#config.idleTimeout ?? Infinity;
    if (timeout === Infinity || w.idleTimer !== undefined || this.#shutdown) return;
    w.idleTimer = setTimeout(() => {
      w.idleTimer = undefined;
      if (
        w.state === "running" && w.live === 0 && !this.#broken &&
        this.#active() > (this.#config.minWorkers ?? 0)
      ) {
        w.stop("close");
      }
    }, timeout);
    unrefTimer(w.idleTimer);
  }

  #disarmIdleTimer(w: WorkerHandle): void {
    if (w.idleTimer === undefined) return;
    clearTimeout(w.idleTimer);
    w.idleTimer = undefined;
  }

  #startWorker(): void {
    const { namePrefix, sharedCancel, initializer, initargs } = this.#config;
    const w = new WorkerHandle(
      `${namePrefix}_${this.#started++}`,
      sharedCancel,
    );
    w.transport = this.#config.start(w.name, {
      message: (message: unknown) => this.#onMessage(w, message),
      exit: (status) => this.#onExit(w, status),
    }, [...this.#modules]);
    let initError: unknown;
    try {
      w.transport.send([
        Msg.Init,
        w.name,
        initializer?.spec ?? null,
        initargs,
        w.slots,
        w.token,
      ]);
    } catch (error) {
      initError = error ?? new Error("unknown");
    }
    // Only now may dispatch see it: Bun can run queued microtasks (our
    // dispatch among them) inside a child's spawn, and a handle seen before
    // its transport and Init message would be sent tasks it cannot take.
    this.#workers.add(w);
    if (this.#events) fire(this.#events, "workerstart", { worker: w.name });
    if (initError !== undefined) {
      this.#break("the initializer's arguments cannot be sent to a worker", initError);
    }
  }

  #dispatch(): void {
    if (!this.#broken && this.#queue.length > 0) this.#sendQueued();
    if (!this.#broken && !this.#hasQueued()) this.#rebalance();
    // After a shutdown, the last tasks may have gone to some workers: the
    // others, idle, would wait for a task forever and hold shutdown() open.
    this.#stopIdle();
  }

  #sendQueued(): void {
    const now = performance.now();
    const workers = [...this.#workers].filter((w) => w.state === "running")
      .sort((a, b) => a.live - b.live);
    let left = workers.length;
    for (const w of workers) {
      // A fair share each, so a burst spreads over every worker.
      let share = Math.ceil(this.#queue.length / left--);
      // Loop, because a task that cannot be sent fails at once and leaves
      // its place in the worker's window to the next one.
      while (share > 0 && this.#queue.length > 0) {
        const count = Math.min(
          share,
          w.capacity(now, this.#config.maxTasksPerWorker),
        );
        if (count <= 0) break;
        const jobs: Job[] = [];
        while (jobs.length < count && this.#queue.length > 0) {
          const job = this.#queue.shift()!;
          if (!job.future.cancelled()) jobs.push(job);
        }
        share -= count;
        if (jobs.length > 0) this.#send(w, jobs, now);
      }
      if (w.assigned === this.#config.maxTasksPerWorker) w.state = "retiring";
    }
  }

  // Work-conserving: while a worker idles, no unstarted task waits behind a
  // busy one. An idle worker takes tasks sent ahead to another: a thread's by
  // winning their slots in the cancel ring, a child's by asking it to hand
  // back what it has not started (its answer arrives as Msg.Returned).
  #rebalance(): void {
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
      const max = Math.min(most, thief.capacity(now, this.#config.maxTasksPerWorker));
      if (max <= 0) continue;
      if (!this.#config.sharedCancel) victim.askBack(max);
      else {
        const jobs = victim.takeBack(max);
        if (jobs.length > 0) this.#send(thief, jobs, now);
      }
    }
  }

  #send(w: WorkerHandle, jobs: Job[], now: number): void {
    const defs: FnDef[] = [];
    const message: RunMessage = [Msg.Run, null];
    let transfer: Transferable[] | undefined;
    for (const job of jobs) {
      if (!w.known.has(job.fnId) && !defs.some(([id]) => id === job.fnId)) {
        defs.push([job.fnId, this.#fnSpecs[job.fnId]!]);
      }
      appendTask(message, job.id, job.fnId, job.kind, job.args);
      if (job.call?.options.transfer) (transfer ??= []).push(...job.call.options.transfer);
    }
    if (defs.length) message[1] = defs;
    const firstSlot = w.reserveSlots(jobs.length);
    try {
      w.transport.send(message, transfer);
    } catch (error) {
      // Something in the batch cannot cross: find it by sending one by one.
      if (jobs.length > 1) {
        return jobs.forEach((job) => this.#send(w, [job], now));
      }
      const detail = error instanceof Error ? error.message : String(error);
      this.#failed++;
      return jobs[0]!.future.setException(
        new TypeError(`Cannot send the task to a worker: ${detail}`, {
          cause: error,
        }),
      );
    }
    for (const [id] of defs) w.known.add(id);
    this.#disarmIdleTimer(w);
    const probes = w.sent(jobs, firstSlot, now);
    jobs.forEach((job, i) => {
      if (probes) setStartProbe(job.future, probes[i]!);
      // A child's task counts as running once sent (as in CPython's call
      // queue); one handed back and sent again is running already.
      else if (job.future.state === "pending") job.future.setRunningOrNotifyCancel();
    });
    if (this.#times) this.#timeWaits(jobs, now);
    this.#checkFront(w);
  }

  #onMessage(w: WorkerHandle, message: unknown): void {
    if (this.#broken) return; // its futures have failed already
    // A thread stopped for a task may still speak (Deno cannot stop one busy
    // in a loop): what it held is decided by its cancel ring (see #onStopped).
    if (w.stoppedFor && w.slots) return;
    // A task's own postMessage (a progress idiom of web workers): not ours.
    if (!isOurs(message, w.token)) return;
    if (!isFromWorker(message)) {
      return this.#break(
        `worker ${w.name} sent a message that is not the pool's protocol`,
        new TypeError(`Received ${describe(message)}`),
      );
    }
    if (message[FROM_TYPE] === Msg.InitFailed) {
      return this.#break("a worker's initializer threw", fromThrown(message[2]));
    }
    if (message[FROM_TYPE] === Msg.Fatal) {
      return this.#break(`worker ${w.name} threw outside a task`, fromThrown(message[2]));
    }
    if (message[FROM_TYPE] === Msg.Returned) return this.#onReturned(w, message.slice(2));
    if (message[FROM_TYPE] === Msg.Ready) {
      w.ready = true;
      return this.#checkFront(w);
    }
    let settled = 0;
    const early: Job[] = [];
    for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
      const status = message[at + RESULT_STATUS];
      const value = message[at + RESULT_VALUE];
      // Checked while the job is still in flight, so that a bad result
      // breaks the pool with it: its future fails with the rest.
      const sent = w.inflight.peek();
      if (!sent || sent.job.id !== message[at + RESULT_ID]) {
        return this.#break(`worker ${w.name} sent a result out of order`, undefined);
      }
      if (!isResult(status, value) || (sent.moved && status !== Status.Cancelled)) {
        return this.#break(`worker ${w.name} sent a result it could not have made`, undefined);
      }
      w.inflight.shift();
      if (sent.moved) {
        w.stale--; // another worker runs it
        continue;
      }
      if (sent.asked && status === Status.Cancelled) {
        // A child's hand-back, reported before its answer arrived.
        early.push(w.handedBackEarly(sent));
        continue;
      }
      settled++;
      const outcome = settle(sent.job.future, status, value);
      if (outcome === Outcome.Completed) this.#completed++;
      else if (outcome === Outcome.Failed) this.#failed++;
    }
    const now = performance.now();
    this.#busyMs += message[DONE_BUSY];
    if (this.#times && settled > 0) this.#times.run.add(message[DONE_BUSY] / settled, settled);
    for (let i = early.length - 1; i >= 0; i--) this.#queue.unshift(early[i]!);
    w.progressed((message.length - DONE_RESULTS) / RESULT_STRIDE, message[DONE_BUSY], now);
    this.#checkFront(w);
    // Results come one message each: dispatch only when this worker has room
    // for more or went idle (the others are served by their own results).
    const room = this.#queue.length > 0
      ? w.capacity(now, this.#config.maxTasksPerWorker) > 0
      : w.live === 0;
    // Tasks handed back go to the idle worker that asked for them.
    if (room || early.length > 0 || this.#shutdown) this.#dispatch();
    this.#afterProgress(w);
  }

  // A child handed back tasks it had not started: they go first in the
  // queue, for the idle worker that asked for them.
  #onReturned(w: WorkerHandle, ids: number[]): void {
    const jobs = w.handedBack(ids);
    if (!jobs) {
      return this.#break(`worker ${w.name} handed back a task it was not given`, undefined);
    }
    for (let i = jobs.length - 1; i >= 0; i--) this.#queue.unshift(jobs[i]!);
    this.#dispatch();
    this.#afterProgress(w);
  }

  // After a worker reported: one with nothing left retires or starts its
  // idle clock, and the pool may have gone idle.
  #afterProgress(w: WorkerHandle): void {
    if (w.live === 0) {
      if (w.state === "retiring") w.stop("close");
      else if (w.state === "running") this.#armIdleTimer(w);
    }
    if (this.#events) this.#checkIdle();
  }

  // The task now at the front of a worker runs there: arm its call options.
  #checkFront(w: WorkerHandle): void {
    if (w.running()?.call) this.#atFront(w);
  }

  #onExit(w: WorkerHandle, status: ExitStatus): void {
    const expected = w.state === "stopping";
    if (w.stoppedFor && !this.#broken) this.#onStopped(w);
    const why = this.#whyExited(w, expected);
    w.state = "exited";
    this.#exited++;
    this.#exitedAliveMs += performance.now() - w.startedAt;
    this.#disarmIdleTimer(w);
    if (!expected) {
      const cause = status.error ?? new Error(describeExit(w.name, status));
      const reason = `worker ${w.name} ${
        status.reason ?? (status.error === undefined ? "exited unexpectedly" : "could not start")
      }`;
      this.#break(reason, cause); // fails what it was running too
    }
    this.#workers.delete(w);
    if (expected && !this.#broken) {
      this.#keepMinimum();
      if (this.#hasQueued()) {
        this.#adjustWorkers(); // replace a worker retired by maxTasksPerChild
        this.#dispatch();
      }
    }
    if (this.#events) {
      const { code, signal, error } = status;
      fire(this.#events, "workerexit", {
        worker: w.name,
        reason: why,
        code,
        signal,
        ...(error !== undefined ? { error } : {}),
      });
      this.#checkIdle();
    }
    this.#checkDrained();
  }

  #break(reason: string, cause: unknown): void {
    if (this.#broken) return;
    this.#broken = { reason, cause };
    if (this.#events) {
      fire(this.#events, "broken", {
        error: this.#config.broken(this.#brokenMessage(), { cause }),
      });
    }
    this.#fail(this.#queue.drain(), this.#brokenMessage(), cause);
    for (const w of this.#workers) {
      this.#fail(jobsOf(w.inflight.drain()), this.#brokenMessage(), cause);
      w.stop("SIGTERM");
    }
    this.#checkDrained();
  }

  // One error per future, so tracebacks never accumulate (CPython gh-101267).
  #fail(jobs: Job[], message: string, cause: unknown): void {
    for (const { future } of jobs) {
      if (!future.done()) {
        this.#failed++;
        future.setException(this.#config.broken(message, { cause }));
      }
    }
  }

  // Cancelled jobs stay queued until dispatch passes them; drop them here.
  #hasQueued(): boolean {
    while (this.#queue.peek()?.future.cancelled()) this.#queue.shift();
    return this.#queue.length > 0;
  }

  // Once shut down with nothing queued, every idle worker can go.
  #stopIdle(): void {
    if (!this.#shutdown || this.#hasQueued()) return;
    for (const w of this.#workers) if (w.live === 0) w.stop("close");
  }

  #whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#checkDrained();
    });
  }

  #checkDrained(): void {
    if (this.#workers.size > 0 || this.#hasQueued()) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}

function jobsOf(sent: Sent[]): Job[] {
  return sent.filter((s) => !s.moved).map((s) => s.job);
}

// Deno's timers are numbers, unref'd through Deno.unrefTimer; Bun's and
// Node's are objects with unref().
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer);
  } else (timer as { unref?: () => void }).unref?.();
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

function describeExit(name: string, { code, signal }: ExitStatus): string {
  if (signal) return `Worker ${name} was killed by ${signal}`;
  return `Worker ${name} exited with code ${code ?? "unknown"}`;
}
