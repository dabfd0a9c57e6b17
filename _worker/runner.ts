// Copyright 2026 the @concurrent/futures authors. MIT license.
// What runs inside every worker, thread or process alike: load task functions
// once, run batches in order one task at a time (as a Python worker does),
// and send results back in batches. Only the transport differs, behind
// `Outbox`.

import { Deque } from "../_util/deque.ts";
import {
  appendResult,
  DONE_BUSY,
  DONE_RESULTS,
  type DoneMessage,
  type FnDef,
  type FromWorker,
  type InitMessage,
  Msg,
  RESULT_ID,
  RESULT_STATUS,
  RESULT_STRIDE,
  RESULT_VALUE,
  RUN_TASKS,
  type RunMessage,
  Slot,
  SLOTS,
  Status,
  TASK_ARGC,
  TASK_ARGS,
  TASK_FN,
  TASK_ID,
  TASK_KIND,
  TaskKind,
  type TaskSpec,
  type Thrown,
  type ToWorker,
} from "../_wire/protocol.ts";
import { poolArray } from "../_wire/pool_arrays.ts";
import { bareThrown, toThrown } from "../_wire/thrown.ts";
import { TRANSFER, unmark } from "../_wire/transfer.ts";
import { claimSlot } from "./child_ring.ts";
import { compile, type Fn, importExport, isThenable } from "./load.ts";

/**
 * Sends a message to the pool; throws if the message cannot be serialized.
 * `transfer` lists what a task asked to move instead of copy (threads).
 */
export interface Outbox {
  post(message: FromWorker, transfer?: unknown[]): void;
  /**
   * A task starts now: what was posted must not wait for it (a child's
   * outbox may hold results a moment longer, with someone to send them
   * while the task runs).
   */
  starting?(): void;
}

interface Loaded {
  fn?: Fn;
  error?: unknown;
  loading?: Promise<void>;
  inline: boolean;
}

const CLOSURE_HINT =
  " (an inline task runs in another thread or process and sees only its arguments and globals: pass the value as an argument, or export the function from a module and submit it with fromModule())";

/** Runs one worker's tasks for its pool: feed it messages with `receive`. */
export class TaskRunner {
  readonly #outbox: Outbox;
  readonly #fns = new Map<number, Loaded>();
  readonly #batches = new Deque<{ tasks: unknown[]; next: number }>();
  // The message being filled: [token, Msg.Done, busy, ...results].
  #results: DoneMessage = [0, Msg.Done, 0];
  #token = 0;
  // Tasks wait for the initializer; after it failed they never run.
  #ready = false;
  // Claims each task before it runs, in order; false: skip it, as the pool
  // or the protocol thread won it (a cancelled or handed-back task).
  #claim: ((seq: number) => boolean) | undefined;
  #seq = 0;
  #draining = false;
  #busy = 0;
  #clock = 0;
  // What the results being filled ask to move (transfer() in a task).
  #transfer: unknown[] | undefined;

  /**
   * `ring`: a child's claim ring, shared with its protocol thread
   * (child_ring.ts); a thread's cancel ring comes with its Init message.
   */
  constructor(outbox: Outbox, ring?: Int32Array) {
    this.#outbox = outbox;
    if (ring) this.#claim = (seq) => claimSlot(ring, seq);
  }

  /** Handles a message from the pool. */
  receive(message: ToWorker): void {
    if (message[0] === Msg.Init) {
      this.#initialize(message);
    } else {
      this.#define(message);
      this.#batches.push({ tasks: message, next: RUN_TASKS });
      this.#drain();
    }
  }

  /** Reports an error that escaped every task: the pool will break. */
  fatal(error: unknown): void {
    this.#flush();
    this.#outbox.post([this.#token, Msg.Fatal, toThrown(error)]);
  }

  #initialize(message: InitMessage): void {
    const [, name, initializer, initargs, slots, token] = message;
    if (name) (globalThis as { name?: string }).name = name;
    if (slots) {
      this.#claim = (seq) =>
        Atomics.compareExchange(slots, seq & (SLOTS - 1), Slot.Queued, Slot.Started) ===
          Slot.Queued;
    }
    this.#token = token;
    this.#results[0] = token;
    if (!initializer) return this.#becomeReady(slots);
    (async () => {
      const loaded = this.#load(initializer);
      await loaded.loading;
      if (!loaded.fn) throw loaded.error;
      await loaded.fn(...initargs);
    })().then(() => {
      this.#becomeReady(slots);
      this.#drain();
    }, (error) => {
      this.#outbox.post([this.#token, Msg.InitFailed, this.#thrown(error, true)]);
    });
  }

  // A child says so (a thread's cancel ring shows when its tasks start).
  #becomeReady(slots: Int32Array | null): void {
    this.#ready = true;
    if (!slots) this.#outbox.post([this.#token, Msg.Ready]);
  }

  #define(message: RunMessage): void {
    for (const [fnId, spec] of message[1] ?? [] as FnDef[]) {
      this.#fns.set(fnId, this.#load(spec));
    }
  }

  #load(spec: TaskSpec): Loaded {
    if (spec.kind === "source") {
      try {
        return { fn: compile(spec.source, spec.name), inline: true };
      } catch (error) {
        return { error, inline: true };
      }
    }
    const loaded: Loaded = { inline: false };
    loaded.loading = importExport(spec.module, spec.name).then(
      (fn) => void (loaded.fn = fn),
      (error) => void (loaded.error = error),
    );
    return loaded;
  }

  // Synchronous while tasks are: a batch of sync tasks runs in one go, and
  // only a task that returns a promise makes the loop wait for it.
  #drain(): void {
    if (this.#draining || !this.#ready) return;
    this.#draining = true;
    this.#clock = performance.now();
    for (
      let batch = this.#batches.peek();
      batch;
      batch = this.#batches.peek()
    ) {
      while (batch.next < batch.tasks.length) {
        const at = batch.next;
        batch.next += TASK_ARGS + (batch.tasks[at + TASK_ARGC] as number);
        const running = this.#runOne(batch.tasks, at);
        if (running) {
          running.then(() => {
            this.#draining = false;
            this.#drain();
          });
          return;
        }
      }
      this.#batches.shift();
    }
    this.#draining = false;
    this.#flush();
  }

  // Returns a promise only when the task really awaits, so a batch of
  // synchronous tasks runs without a microtask between them.
  #runOne(tasks: unknown[], at: number): void | Promise<void> {
    const id = tasks[at + TASK_ID] as number;
    const loaded = this.#fns.get(tasks[at + TASK_FN] as number);
    if (loaded?.loading && !loaded.fn && !loaded.error) {
      this.#flush();
      return loaded.loading.then(() => this.#runOne(tasks, at));
    }
    if (this.#claim && !this.#claim(this.#seq++)) {
      appendResult(this.#results, id, Status.Cancelled, null);
      return;
    }
    const kind = tasks[at + TASK_KIND] as TaskKind;
    const argc = tasks[at + TASK_ARGC] as number;
    const fn = loaded?.fn;
    if (!fn) {
      const error = loaded ? loaded.error : new Error("Unknown task function");
      return this.#finish(
        id,
        Status.Error,
        this.#thrown(error, loaded?.inline),
      );
    }
    // Results are never held behind a task: any task may turn out long (a
    // cache miss, a bigger input), so what finished leaves before the next
    // one starts. Batches still form from what finishes together: tasks
    // skipped (cancelled, handed back) and results that cannot start sooner.
    this.#flush();
    this.#outbox.starting?.();
    const inline = loaded.inline;
    let result: unknown;
    try {
      // A chunk's two arguments: the arguments per call, then all of them.
      result = kind === TaskKind.Chunk
        ? runChunk(
          fn,
          tasks[at + TASK_ARGS] as number,
          tasks[at + TASK_ARGS + 1] as unknown[],
          (e) => this.#thrown(e, inline),
        )
        : call(fn, tasks, at + TASK_ARGS, argc);
    } catch (error) {
      return this.#fail(id, error, loaded);
    }
    if (!isThenable(result)) return this.#finish(id, Status.Ok, result);
    return Promise.resolve(result).then(
      (value) => this.#finish(id, Status.Ok, value),
      (error) => this.#fail(id, error, loaded),
    );
  }

  #fail(id: number, error: unknown, loaded: Loaded): void {
    if (error instanceof ChunkError) {
      this.#finish(id, Status.ChunkError, [error.values, error.thrown]);
    } else {
      this.#finish(id, Status.Error, this.#thrown(error, loaded.inline));
    }
  }

  // One clock read per task: the time since the previous one is its cost.
  #finish(id: number, status: Status, value: unknown): void {
    const now = performance.now();
    const cost = now - this.#clock;
    this.#busy += cost;
    this.#clock = now;
    if (value === undefined && status === Status.Ok) {
      appendResult(this.#results, id, Status.Void, null);
    } else {
      if (
        status === Status.Ok && typeof value === "object" && value !== null && TRANSFER in value
      ) {
        value = unmark(value, this.#transfer ??= []);
      }
      appendResult(this.#results, id, status, value);
    }
  }

  #thrown(error: unknown, inline = false): Thrown {
    const thrown = toThrown(error);
    if (
      inline && "error" in thrown &&
      isUnboundName(thrown.error.name, thrown.error.message)
    ) {
      const { message, stack } = thrown.error;
      thrown.error.message = message + CLOSURE_HINT;
      if (stack) {
        thrown.error.stack = stack.replace(message, thrown.error.message);
      }
    }
    return thrown;
  }

  #flush(): void {
    if (this.#results.length === DONE_RESULTS) return;
    const message = this.#results;
    message[DONE_BUSY] = this.#busy;
    this.#results = [this.#token, Msg.Done, 0];
    this.#busy = 0;
    const transfer = this.#transfer;
    this.#transfer = undefined;
    try {
      this.#outbox.post(message, transfer);
    } catch {
      // (One by one, copied: a bad transfer list fails no result.)
      // Some result cannot cross: send them one by one, failing only those.
      for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
        this.#postAlone(
          message[at + RESULT_ID] as number,
          message[at + RESULT_STATUS] as Status,
          message[at + RESULT_VALUE],
        );
      }
    }
  }

  // Sends one result. An error that cannot cross whole still arrives, with
  // its name, message and stack; a value that cannot cross fails its task.
  #postAlone(id: number, status: Status, value: unknown): void {
    const attempts: [Status, unknown][] = [[status, value]];
    if (status === Status.Error) attempts.push([status, bareThrown(value as Thrown)]);
    if (status === Status.ChunkError) {
      const [values, thrown] = value as [unknown[], Thrown];
      attempts.push([status, [values, bareThrown(thrown)]]);
    }
    let failure: unknown;
    for (const [status, value] of attempts) {
      try {
        return this.#outbox.post([this.#token, Msg.Done, 0, id, status, value]);
      } catch (error) {
        failure ??= error;
      }
    }
    const detail = failure instanceof Error ? failure.message : String(failure);
    const error = new TypeError(`Cannot send the task's result back: ${detail}`, {
      cause: failure,
    });
    this.#outbox.post([this.#token, Msg.Done, 0, id, Status.Error, toThrown(error)]);
  }
}

// Spreading into a fresh array per call is the cost a flat message avoids.
function call(fn: Fn, message: unknown[], from: number, argc: number): unknown {
  switch (argc) {
    case 0:
      return fn();
    case 1:
      return fn(message[from]);
    case 2:
      return fn(message[from], message[from + 1]);
    default:
      return fn(...message.slice(from, from + argc));
  }
}

class ChunkError {
  readonly values: unknown[];
  readonly thrown: Thrown;
  constructor(values: unknown[], thrown: Thrown) {
    this.values = values;
    this.thrown = thrown;
  }
}

// A chunk's calls have `argc` arguments each, laid out flat in `args`.
function runChunk(
  fn: Fn,
  argc: number,
  args: unknown[],
  thrown: (error: unknown) => Thrown,
): unknown[] | Promise<unknown[]> {
  const values: unknown[] = poolArray([]);
  for (let at = 0; at < args.length; at += argc) {
    let value: unknown;
    try {
      value = call(fn, args, at, argc);
    } catch (error) {
      throw new ChunkError(values, thrown(error));
    }
    if (isThenable(value)) return finishChunkAsync(fn, argc, args, at, value, values, thrown);
    values.push(value);
  }
  return values;
}

async function finishChunkAsync(
  fn: Fn,
  argc: number,
  args: unknown[],
  from: number,
  pending: PromiseLike<unknown>,
  values: unknown[],
  thrown: (error: unknown) => Thrown,
): Promise<unknown[]> {
  for (let at = from; at < args.length; at += argc) {
    try {
      values.push(await (at === from ? pending : call(fn, args, at, argc)));
    } catch (error) {
      throw new ChunkError(values, thrown(error));
    }
  }
  return values;
}

function isUnboundName(name: string, message: string): boolean {
  // V8: "x is not defined"; JavaScriptCore: "Can't find variable: x".
  return name === "ReferenceError" &&
    /is not defined|Can't find variable/.test(message);
}
