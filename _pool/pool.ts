// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool core shared by both executors. The Pool owns the queue, the
// workers and the lifecycle (submit, shutdown, terminate, broken, drained);
// each other concern is a room it builds once, handing it what it needs:
//
//   submit ──▶ Functions.idOf ──▶ TaskQueue.push ──▶ Sizing.grow
//              CallControl.watch (a task with call options only)
//   microtask ─▶ Dispatcher.sendQueued, .rebalance ─▶ Transport.send
//   a worker's message ─▶ Results.receive: settle ─▶ Heard ─▶ dispatch
//                         again?  Sizing.reported (retire, idle clock)
//   a worker's exit ─▶ CallControl.afterStop (requeue) or break;
//                      Sizing.keepMinimum
//
// The executors differ only in how a worker starts and how messages reach
// it (a StartWorker and the Transport it returns).

import type { Backlog } from "../_future/backlog.ts";
import type { CheckedCall } from "../_future/call.ts";
import { type BrokenExecutor, ShutdownError } from "../_future/errors.ts";
import { Future } from "../_future/future.ts";
import type { DescribedTask } from "../_future/tasks.ts";
import { Msg, TaskKind } from "../_wire/protocol.ts";
import { fire, type WorkerExitReason } from "./events.ts";
import { CallControl } from "./control.ts";
import { Dispatcher } from "./dispatch.ts";
import { Functions } from "./functions.ts";
import { TaskQueue } from "./queue.ts";
import { Heard, Results } from "./results.ts";
import { Sizing } from "./sizing.ts";
import { type ExecutorStats, snapshot, Tally } from "./stats.ts";
import { jobCall } from "./stop.ts";
import type { ExitStatus, StartWorker } from "./transport.ts";
import { type Job, type Sent, WorkerHandle } from "./worker_handle.ts";

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
  /** The most tasks waiting for a worker (default Infinity); see queue.ts. */
  maxQueue?: number;
  /** Threads share memory, so tasks sent ahead stay cancellable. */
  sharedCancel: boolean;
  broken: (message: string, options: ErrorOptions) => BrokenExecutor;
  /** Starts a worker. */
  start: StartWorker;
}

/** Runs tasks on up to `maxWorkers` workers. */
export class Pool {
  readonly #config: PoolConfig;
  readonly #queue: TaskQueue;
  readonly #workers = new Set<WorkerHandle>();
  readonly #functions = new Functions((module) => this.#sizing.retireUncovered(module));
  readonly #drained: (() => void)[] = [];
  #nextId = 0;
  #scheduled = false;
  #shutdown = false;
  #broken: { reason: string; cause: unknown } | undefined;
  #terminated = false;
  readonly #tally = new Tally();
  readonly #control: CallControl;
  readonly #dispatcher: Dispatcher;
  readonly #results: Results;
  readonly #sizing: Sizing;
  // Made by the first listener (PoolExecutor.addEventListener).
  #events: EventTarget | undefined;
  #idle = true;

  constructor(config: PoolConfig) {
    this.#config = config;
    this.#queue = new TaskQueue(config.maxQueue, config.what);
    this.#sizing = new Sizing({
      workers: this.#workers,
      queue: this.#queue,
      maxWorkers: config.maxWorkers,
      minWorkers: config.minWorkers,
      idleTimeout: config.idleTimeout,
      start: () => this.#startWorker(),
      shutDown: () => this.#shutdown,
      broken: () => this.#broken !== undefined,
    });
    this.#control = new CallControl(this.#workers, this.#tally, config.broken);
    this.#results = new Results({
      queue: this.#queue,
      tally: this.#tally,
      maxTasksPerWorker: config.maxTasksPerWorker,
      control: this.#control,
      break: (reason, cause) => this.#break(reason, cause),
    });
    this.#dispatcher = new Dispatcher({
      queue: this.#queue,
      workers: this.#workers,
      functions: this.#functions,
      tally: this.#tally,
      maxTasksPerWorker: config.maxTasksPerWorker,
      sharedCancel: config.sharedCancel,
      sent: (w) => {
        this.#sizing.clearIdle(w);
        this.#control.checkFront(w);
      },
    });
    if (config.initializer) this.#functions.add(config.initializer);
    this.#sizing.keepMinimum();
  }

  /** Queues `task(...args)` (or a chunk of calls) and returns its future. */
  submit(
    task: unknown,
    args: unknown[],
    kind: TaskKind = TaskKind.Call,
    options?: CheckedCall,
  ): Future<unknown> {
    this.#checkOpen();
    this.#queue.backlog.admit(); // maxQueue: refuse before anything is made
    const fnId = this.#functions.idOf(task);
    const future = new Future<unknown>();
    const job: Job = {
      id: this.#nextId++,
      future,
      fnId,
      kind,
      args,
      call: jobCall(options),
      queuedAt: this.#tally.times ? performance.now() : 0,
    };
    this.#queue.push(job);
    this.#tally.submitted++;
    this.#idle = false;
    if (job.call) this.#control.watch(job);
    this.#sizing.grow();
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
    if (this.#events) return this.#events;
    const events = this.#events = new EventTarget();
    this.#queue.backlog.onCrossing = (full, queued) =>
      fire(events, full ? "backpressure" : "ready", { queued });
    return events;
  }

  /** The waiting tasks' count, bound and water marks (maxQueue). */
  get backlog(): Backlog {
    return this.#queue.backlog;
  }

  /** A snapshot for `executor.stats()`; from the first call on, tasks are timed. */
  stats(): ExecutorStats {
    return snapshot(this.#tally, this.#workers, this.#queue);
  }

  #whyExited(w: WorkerHandle, expected: boolean): WorkerExitReason {
    if (!expected) return "crashed";
    if (w.stoppedFor) return "stopped";
    if (this.#broken) return "broken";
    if (this.#terminated) return "terminated";
    return this.#shutdown ? "shutdown" : "retired";
  }

  // Fires "drain" when the pool goes from busy to idle.
  #checkIdle(): void {
    if (this.#idle || this.#queue.hasLive()) return;
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

  #startWorker(): void {
    const { namePrefix, sharedCancel, initializer, initargs } = this.#config;
    const w = new WorkerHandle(
      `${namePrefix}_${this.#tally.started++}`,
      sharedCancel,
    );
    w.transport = this.#config.start(w.name, {
      message: (message: unknown) => this.#onMessage(w, message),
      exit: (status) => this.#onExit(w, status),
    }, this.#functions.modules());
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
    if (!this.#broken && this.#queue.length > 0) this.#dispatcher.sendQueued();
    if (!this.#broken && !this.#queue.hasLive()) this.#dispatcher.rebalance();
    // After a shutdown, the last tasks may have gone to some workers: the
    // others, idle, would wait for a task forever and hold shutdown() open.
    this.#stopIdle();
  }

  #onMessage(w: WorkerHandle, message: unknown): void {
    if (this.#broken) return; // its futures have failed already
    const heard = this.#results.receive(w, message);
    if (heard === Heard.Nothing) return;
    if (heard === Heard.Dispatch || this.#shutdown) this.#dispatch();
    this.#afterProgress(w);
  }

  // After a worker reported: one with nothing left retires or starts its
  // idle clock, and the pool may have gone idle.
  #afterProgress(w: WorkerHandle): void {
    this.#sizing.reported(w);
    if (this.#events) this.#checkIdle();
  }

  #onExit(w: WorkerHandle, status: ExitStatus): void {
    const expected = w.state === "stopping";
    if (w.stoppedFor && !this.#broken) this.#queue.putBack(this.#control.afterStop(w));
    const why = this.#whyExited(w, expected);
    w.state = "exited";
    this.#tally.exited++;
    this.#tally.exitedAliveMs += performance.now() - w.startedAt;
    this.#sizing.clearIdle(w);
    if (!expected) {
      const cause = status.error ?? new Error(describeExit(w.name, status));
      const reason = `worker ${w.name} ${
        status.reason ?? (status.error === undefined ? "exited unexpectedly" : "could not start")
      }`;
      this.#break(reason, cause); // fails what it was running too
    }
    this.#workers.delete(w);
    if (expected && !this.#broken) {
      this.#sizing.keepMinimum();
      if (this.#queue.hasLive()) {
        this.#sizing.grow(); // replace a worker retired by maxTasksPerChild
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
        this.#tally.failed++;
        future.setException(this.#config.broken(message, { cause }));
      }
    }
  }

  // Once shut down with nothing queued, every idle worker can go.
  #stopIdle(): void {
    if (!this.#shutdown || this.#queue.hasLive()) return;
    for (const w of this.#workers) if (w.live === 0) w.stop("close");
  }

  #whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#checkDrained();
    });
  }

  #checkDrained(): void {
    if (this.#workers.size > 0 || this.#queue.hasLive()) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}

function jobsOf(sent: Sent[]): Job[] {
  return sent.filter((s) => !s.moved).map((s) => s.job);
}

function describeExit(name: string, { code, signal }: ExitStatus): string {
  if (signal) return `Worker ${name} was killed by ${signal}`;
  return `Worker ${name} exited with code ${code ?? "unknown"}`;
}
