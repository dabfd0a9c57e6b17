// A transport for driving the Pool without threads or processes: each fake
// worker is a TaskRunner in this thread, and messages cross by
// structuredClone, as they do to a real thread. A test can hold a worker's
// inbox (tasks arrive but do not start), hold a child's hand-back answers,
// inject messages the worker never sent, and end a worker as if it died.
// A process pool's hand-back works as in a child: a claim ring shared by the
// runner and, here standing for the protocol thread, `reclaim`.

import { BrokenExecutor } from "../_future/errors.ts";
import type { Future } from "../_future/future.ts";
import { Pool, type PoolConfig } from "../_pool/pool.ts";
import type { ExitStatus, StartWorker, Transport, TransportEvents } from "../_pool/transport.ts";
import { type Job, WorkerHandle } from "../_pool/worker_handle.ts";
import {
  type FromWorker,
  type InitMessage,
  Msg,
  RUN_TASKS,
  SLOTS,
  TASK_ARGC,
  TASK_ARGS,
  TaskKind,
  type ToWorker,
} from "../_wire/protocol.ts";
import { claimSlot, reclaimSlot } from "../_worker/child_ring.ts";
import { TaskRunner } from "../_worker/runner.ts";

/** One fake worker and what crossed to it. */
export class FakeWorker {
  /** Every message the pool sent, in order. */
  readonly received: ToWorker[] = [];
  /** Every message the runner posted, in order. */
  readonly posted: FromWorker[] = [];
  /** How the pool last stopped it, if it did. */
  stoppedWith: string | undefined;
  readonly #events: TransportEvents;
  readonly #runner: TaskRunner;
  #held: ToWorker[] | undefined;
  #answers: unknown[] | undefined;
  readonly #ring = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  #exited = false;

  readonly name: string;

  constructor(name: string, events: TransportEvents) {
    this.name = name;
    this.#events = events;
    this.#runner = new TaskRunner({
      post: (message) => {
        const copy = structuredClone(message);
        this.posted.push(copy);
        queueMicrotask(() => this.inject(copy));
      },
    }, this.#ring);
  }

  /**
   * Claims the task with sequence number `seq` as a child's main thread does
   * before it runs it: false if the pool got it back first.
   */
  claim(seq: number): boolean {
    return claimSlot(this.#ring, seq);
  }

  /** How many tasks the pool sent this worker: the next one's sequence number. */
  tasksReceived(): number {
    let count = 0;
    for (const message of this.received) {
      if (message[0] !== Msg.Run) continue;
      for (let at = RUN_TASKS; at < message.length; count++) {
        at += TASK_ARGS + (message[at + TASK_ARGC] as number);
      }
    }
    return count;
  }

  /** The token the pool gave this worker: what starts its protocol messages. */
  get token(): number {
    return (this.received[0] as InitMessage)[5];
  }

  /** Messages to the runner wait until `release()`. */
  hold(): void {
    this.#held ??= [];
  }

  /** Delivers what was held, then lets messages through again. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const message of held) this.#runner.receive(message);
  }

  /** A child's hand-back answers wait until `releaseAnswers()`. */
  holdAnswers(): void {
    this.#answers ??= [];
  }

  /** Delivers the answers held, then lets them through again. */
  releaseAnswers(): void {
    const held = this.#answers ?? [];
    this.#answers = undefined;
    for (const answer of held) this.inject(answer);
  }

  /** Delivers a message to the pool as if this worker had sent it. */
  inject(message: unknown): void {
    if (!this.#exited) this.#events.message(message);
  }

  /** Ends the worker as a death would, with `status`. */
  exit(status: ExitStatus = { code: 1, signal: null }): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#events.exit(status);
  }

  /** The Transport the pool gets for this worker. */
  transport(): Transport {
    return {
      send: (message, transfer) => {
        // Throws before anything is sent; moves what a thread's would move.
        const copy = structuredClone(message, transfer ? { transfer } : undefined);
        this.received.push(copy);
        queueMicrotask(() => {
          if (this.#exited) return;
          if (this.#held) this.#held.push(copy);
          else this.#runner.receive(copy);
        });
      },
      reclaim: (tasks, halt) => {
        const ids: number[] = [];
        for (let i = 0; i < tasks.length; i += 2) {
          if (reclaimSlot(this.#ring, tasks[i + 1]!)) ids.push(tasks[i]!);
        }
        const answer = [this.token, Msg.Returned, ...ids];
        // A halt: the answer, then the end, as a child's protocol thread does.
        if (halt) this.stoppedWith = "halt";
        const deliver = () => {
          this.inject(answer);
          if (halt) this.exit({ code: null, signal: "SIGKILL" });
        };
        if (this.#answers) this.#answers.push(answer);
        else queueMicrotask(deliver);
      },
      ref() {},
      unref() {},
      stop: (how) => {
        this.stoppedWith = how;
        queueMicrotask(() => this.exit({ code: how === "close" ? 0 : null, signal: null }));
      },
    };
  }
}

/** A StartWorker that makes fake workers, and the workers it made. */
export function fakeWorkers(): { start: StartWorker; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const start: StartWorker = (name, events) => {
    const worker = new FakeWorker(name, events);
    workers.push(worker);
    return worker.transport();
  };
  return { start, workers };
}

/**
 * A pool of fake workers: one at most unless `config` says otherwise, and a
 * thread's shared cancel ring (`sharedCancel: false` is a process pool's case).
 */
export function fakePool(config: Partial<PoolConfig> = {}): { pool: Pool; workers: FakeWorker[] } {
  const { start, workers } = fakeWorkers();
  const pool = new Pool({
    what: "test pool",
    maxWorkers: 1,
    namePrefix: "Fake",
    initializer: undefined,
    initargs: [],
    maxTasksPerWorker: undefined,
    sharedCancel: true,
    broken: (message, init) => new BrokenExecutor(message, init),
    start,
    ...config,
  });
  return { pool, workers };
}

/**
 * Lets queued microtasks and message deliveries run until `check` holds: a
 * wait for a state, never for a guessed delay.
 */
export async function until(check: () => boolean): Promise<void> {
  for (let turns = 0; !check(); turns++) {
    if (turns > 10_000) throw new Error("condition never held");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A worker handle over one fake worker, started as the Pool starts one (its
 * Init message sent first), for testing a room of the pool at its seam
 * without a Pool. What the worker sends goes to `hear` (by default, kept
 * in `heard`); its exit is kept in `exits`.
 */
export function fakeHandle(
  name: string,
  sharedCancel: boolean,
  hear?: (w: WorkerHandle, message: unknown) => void,
): { handle: WorkerHandle; worker: FakeWorker; heard: unknown[]; exits: ExitStatus[] } {
  const heard: unknown[] = [];
  const exits: ExitStatus[] = [];
  const handle = new WorkerHandle(name, sharedCancel);
  const worker = new FakeWorker(name, {
    message: (message) => hear ? hear(handle, message) : heard.push(message),
    exit: (status) => exits.push(status),
  });
  handle.transport = worker.transport();
  handle.transport.send([Msg.Init, name, null, [], handle.slots, handle.token]);
  return { handle, worker, heard, exits };
}

/** A job as the Pool makes one in submit, for a room's seam tests. */
export function fakeJob(
  id: number,
  future: Future<unknown>,
  fnId: number,
  args: unknown[],
  call?: Job["call"],
): Job {
  return { id, future, fnId, kind: TaskKind.Call, args, call, queuedAt: 0 };
}
