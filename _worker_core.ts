// Copyright 2026 the @concurrent/futures authors. MIT license.
// What runs inside every worker, thread or process alike: compile or import
// task functions once, run batches in order one task at a time (as a Python
// worker does), and send results back in batches. Only the transport differs,
// behind `Outbox`.

import { Deque } from "./_deque.ts";
import {
  type FnDef,
  type FromWorker,
  type InitMessage,
  type RunMessage,
  Slot,
  SLOTS,
  Status,
  TASK_STRIDE,
  TaskKind,
  type Thrown,
  type ToWorker,
} from "./_protocol.ts";
import type { TaskSpec } from "./_tasks.ts";
import { toThrown } from "./_wire_error.ts";

/** Sends a message to the pool; throws if the message cannot be serialized. */
export interface Outbox {
  post(message: FromWorker): void;
}

type Fn = (...args: unknown[]) => unknown;
interface Loaded {
  fn?: Fn;
  error?: unknown;
  loading?: Promise<void>;
  inline: boolean;
}

// Results wait at most this long in the worker before they are sent, so a
// batch of tiny tasks costs one message while a long task never holds back
// the results finished before it.
const FLUSH_MS = 1;

const CLOSURE_HINT =
  " (an inline task runs in another thread or process and sees only its arguments and globals: pass the value as an argument, or export the function from a module and submit it with fromModule())";

/** Serves one pool: feed it messages with `receive`. */
export class WorkerCore {
  readonly #outbox: Outbox;
  readonly #fns = new Map<number, Loaded>();
  readonly #batches = new Deque<{ tasks: unknown[]; next: number }>();
  #init: Promise<boolean> | undefined;
  #slots: Int32Array | null = null;
  #seq = 0;
  #draining = false;
  #results: unknown[] = [];
  #busy = 0;
  #lastFlush = 0;

  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  /** Handles a message from the pool. */
  receive(message: ToWorker): void {
    if (message.t === "init") {
      this.#init = this.#initialize(message);
    } else {
      this.#define(message);
      this.#batches.push({ tasks: message.tasks, next: 0 });
    }
    void this.#drain();
  }

  /** Reports an error that escaped every task: the pool will break. */
  fatal(error: unknown): void {
    this.#flush();
    this.#outbox.post({ t: "fatal", error: toThrown(error) });
  }

  async #initialize(message: InitMessage): Promise<boolean> {
    if (message.name) {
      (globalThis as { name?: string }).name = message.name;
    }
    this.#slots = message.slots;
    if (!message.initializer) return true;
    try {
      const loaded = this.#load(message.initializer);
      await loaded.loading;
      if (!loaded.fn) throw loaded.error;
      await loaded.fn(...message.initargs);
      return true;
    } catch (error) {
      this.#outbox.post({ t: "init-failed", error: this.#thrown(error, true) });
      return false;
    }
  }

  #define(message: RunMessage): void {
    for (const [fnId, spec] of message.defs ?? [] as FnDef[]) {
      this.#fns.set(fnId, this.#load(spec));
    }
  }

  #load(spec: TaskSpec): Loaded {
    if (spec.kind === "source") {
      try {
        return { fn: compile(spec.source), inline: true };
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

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      // Tasks wait for the initializer; after it failed they never run.
      if (this.#init && !(await this.#init)) return;
      for (
        let batch = this.#batches.peek();
        batch;
        batch = this.#batches.peek()
      ) {
        while (batch.next < batch.tasks.length) {
          const at = batch.next;
          batch.next += TASK_STRIDE;
          const running = this.#runOne(batch.tasks, at);
          if (running) await running;
        }
        this.#batches.shift();
      }
      this.#flush();
    } finally {
      this.#draining = false;
    }
  }

  // Returns a promise only when the task really awaits, so a batch of
  // synchronous tasks runs without a microtask between them.
  #runOne(tasks: unknown[], at: number): void | Promise<void> {
    const id = tasks[at] as number;
    const loaded = this.#fns.get(tasks[at + 1] as number);
    if (loaded?.loading && !loaded.fn && !loaded.error) {
      this.#flush();
      return loaded.loading.then(() => this.#runOne(tasks, at));
    }
    if (this.#slots) {
      const slot = this.#seq++ & (SLOTS - 1);
      if (
        Atomics.compareExchange(
          this.#slots,
          slot,
          Slot.Queued,
          Slot.Started,
        ) !== Slot.Queued
      ) {
        this.#results.push(id, Status.Cancelled, null);
        return;
      }
    }
    const kind = tasks[at + 2];
    const args = tasks[at + 3] as unknown[];
    const start = performance.now();
    const finish = (status: number, value: unknown) => {
      const end = performance.now();
      this.#busy += end - start;
      this.#results.push(id, status, value);
      if (end - this.#lastFlush > FLUSH_MS) this.#flush();
    };
    const fail = (error: unknown) =>
      finish(Status.Error, this.#thrown(error, loaded?.inline));
    if (!loaded?.fn) {
      return fail(loaded ? loaded.error : new Error("Unknown task function"));
    }
    try {
      const result = kind === TaskKind.Chunk
        ? runChunk(
          loaded.fn,
          args as unknown[][],
          (e) => this.#thrown(e, loaded.inline),
        )
        : loaded.fn(...args);
      if (!isThenable(result)) return finish(Status.Ok, result);
      this.#flush(); // what finished so far should not wait for this task
      return Promise.resolve(result).then(
        (value) => finish(Status.Ok, value),
        (error) => {
          if (error instanceof ChunkError) {
            finish(Status.ChunkError, [error.values, error.thrown]);
          } else fail(error);
        },
      );
    } catch (error) {
      if (error instanceof ChunkError) {
        return finish(Status.ChunkError, [error.values, error.thrown]);
      }
      return fail(error);
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
      thrown.error.stack = stack?.replace(message, thrown.error.message);
    }
    return thrown;
  }

  #flush(): void {
    this.#lastFlush = performance.now();
    if (this.#results.length === 0) return;
    const results = this.#results;
    const busy = this.#busy;
    this.#results = [];
    this.#busy = 0;
    try {
      this.#outbox.post({ t: "done", results, busy });
    } catch {
      // Some result cannot cross: send them one by one, failing only those.
      for (let i = 0; i < results.length; i += 3) {
        const one = results.slice(i, i + 3);
        try {
          this.#outbox.post({ t: "done", results: one, busy: 0 });
        } catch (error) {
          const cause = toThrown(error);
          const message = `Cannot send the task's result back: ${
            "error" in cause ? cause.error.message : String(error)
          }`;
          const failure = toThrown(new TypeError(message, { cause: error }));
          this.#outbox.post({
            t: "done",
            results: [one[0], Status.Error, failure],
            busy: 0,
          });
        }
      }
    }
  }
}

class ChunkError {
  constructor(readonly values: unknown[], readonly thrown: Thrown) {}
}

function runChunk(
  fn: Fn,
  argsList: unknown[][],
  thrown: (error: unknown) => Thrown,
): unknown[] | Promise<unknown[]> {
  const values: unknown[] = [];
  for (let i = 0; i < argsList.length; i++) {
    let value: unknown;
    try {
      value = fn(...argsList[i]!);
    } catch (error) {
      throw new ChunkError(values, thrown(error));
    }
    if (isThenable(value)) {
      return finishChunkAsync(fn, argsList, i, value, values, thrown);
    }
    values.push(value);
  }
  return values;
}

async function finishChunkAsync(
  fn: Fn,
  argsList: unknown[][],
  at: number,
  pending: PromiseLike<unknown>,
  values: unknown[],
  thrown: (error: unknown) => Thrown,
): Promise<unknown[]> {
  for (let i = at; i < argsList.length; i++) {
    try {
      values.push(await (i === at ? pending : fn(...argsList[i]!)));
    } catch (error) {
      throw new ChunkError(values, thrown(error));
    }
  }
  return values;
}

/** Compiles a function from its source, once per worker and source. */
function compile(source: string): Fn {
  let value: unknown;
  try {
    // Indirect eval: global scope, so free names resolve to globals only.
    value = (0, eval)(`(${source}\n)`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Method shorthand (`name(x) { … }`) is only valid inside an object.
    const holder = (0, eval)(`({${source}\n})`) as object;
    const key = Reflect.ownKeys(holder)[0]!;
    const descriptor = Object.getOwnPropertyDescriptor(holder, key)!;
    value = descriptor.value ?? descriptor.get;
  }
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot compile task: its source is not a function: ${source}`,
    );
  }
  return value as Fn;
}

async function importExport(module: string, name: string): Promise<Fn> {
  const namespace = await import(module) as Record<string, unknown>;
  const fn = namespace[name];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot run task: module ${module} has no exported function named "${name}"`,
    );
  }
  return fn as Fn;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

function isUnboundName(name: string, message: string): boolean {
  // V8: "x is not defined"; JavaScriptCore: "Can't find variable: x".
  return name === "ReferenceError" &&
    /is not defined|Can't find variable/.test(message);
}
