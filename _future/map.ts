// Copyright 2026 the @concurrent/futures authors. MIT license.
// Executor.map, generic over any executor that has `submit` (_base.py's map
// plus process.py's chunking): eager submission from sync inputs, lazy from
// async ones or under `buffersize`, results in input order, a deadline from
// the call, and cancellation of what is left when the iterator ends.

import type { Gate } from "./backlog.ts";
import { CancelledError, TimeoutError } from "./errors.ts";
import { type Future, outcomeOf, whenDone } from "./future.ts";
import { Deque } from "../_util/deque.ts";
import { ChunkFailure, type ChunkSubmitter } from "./chunk.ts";
import { isModuleTask } from "./tasks.ts";
import { poolArray } from "../_wire/pool_arrays.ts";
import {
  checkOptions,
  checkPositiveInteger,
  checkTimeout,
  describe,
  startTimer,
} from "./validate.ts";

/**
 * Options of an executor's `map`.
 *
 * @example
 * ```ts
 * import type { MapOptions } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor();
 * const options: MapOptions = { chunksize: 2, timeout: 10_000 };
 * const doubled = await Array.fromAsync(executor.map((x: number) => 2 * x, [1, 2, 3], options));
 * assert.deepEqual(doubled, [2, 4, 6]);
 * ```
 */
export interface MapOptions {
  /**
   * Milliseconds from the `map` call after which waiting for the next result
   * throws `TimeoutError`; results already done are still yielded.
   *
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number | undefined;
  /**
   * How many calls travel to a worker as one message. Larger chunks cut the
   * per-task cost of many small calls.
   *
   * @default {1}
   */
  chunksize?: number | undefined;
  /**
   * The most chunks submitted but not yet yielded. With it, the input is read
   * lazily, so infinite inputs work.
   *
   * Without it, a sync input is read whole at the call and its tasks
   * submitted as the executor's queue takes them (at once unless it is
   * full: see `maxQueue`), so an infinite sync input never returns with
   * `maxQueue: Infinity`, and otherwise holds every result not yet read. An
   * async input is read at most 1024 chunks ahead of the results read.
   *
   * @default {undefined} (sync: everything; async: 1024 chunks ahead)
   */
  buffersize?: number | undefined;
}

type Submit = (fn: unknown, args: unknown[]) => Future<unknown>;

// Without buffersize, an async input is read this many chunks ahead of the
// results read: a producer faster than the pool never fills memory.
const ASYNC_READ_AHEAD = 1024;
// An async input that yields without waiting (an async generator over data
// at hand) settles each read in a microtask: read this many, then let the
// event loop run (timers, I/O, the workers' results) before reading on.
const READS_PER_TURN = 64;
// Results already done are handed out in one run of microtasks, which holds
// off the event loop, and with it the workers' next results and the tasks
// they are sent: a consumer of many done chunks in a row left the workers
// idle until it reached one not yet done. Let the loop run after this many
// items handed out since the last wait (about 0.1 ms of `for await`).
const ITEMS_PER_TURN = 1024;
type Entry = { future: Future<unknown>; chunk: boolean } | { error: unknown };
type Source =
  // `ended` once the iterator said done or was closed: never close it again.
  | { sync: true; it: Iterator<unknown>; ended?: boolean }
  | { sync: false; it: AsyncIterator<unknown>; ended?: boolean }
  // An array iterated the built-in way, read by index: the same values as
  // its iterator, without a call per item (in Deno that call made filling
  // a 200,000-item map cost 11 ms, against 2 ms by index).
  | { sync: true; array: unknown[]; at: number };

const ACTION = "map";

/** Splits `map`'s arguments into iterables and options. */
export function splitMapArgs(args: unknown[]): [unknown[], MapOptions] {
  const last = args.at(-1);
  if (isPlainObject(last)) return [args.slice(0, -1), last as MapOptions];
  // A wrapper forwarding an optional options argument passes undefined: that
  // is no options, not an input (an input of undefined is an error anyway).
  if (last === undefined && args.length > 1) return [args.slice(0, -1), {}];
  return [args, {}];
}

/** The body of `Executor.prototype.map`. */
export function runMap(
  submit: Submit,
  chunks: ChunkSubmitter | undefined,
  fn: unknown,
  args: unknown[],
  signal?: AbortSignal,
  gate?: Gate,
): AsyncIterableIterator<unknown> {
  const [iterables, options] = splitMapArgs(args);
  checkOptions(options, ACTION, ["timeout", "chunksize", "buffersize"]);
  const timeout = checkTimeout(options.timeout, ACTION);
  const chunksize = checkPositiveInteger(options.chunksize, "chunksize", ACTION) ?? 1;
  const buffersize = checkPositiveInteger(
    options.buffersize,
    "buffersize",
    ACTION,
  );
  if (typeof fn !== "function" && !isModuleTask(fn)) {
    throw new TypeError(
      `Cannot ${ACTION}: task must be a function or a fromModule() reference, received ${
        describe(fn)
      }`,
    );
  }
  const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
  const sources = iterables.map(toSource);
  const argc = sources.length;
  const run = new MapRun(
    sources,
    deadline,
    buffersize,
    (flat, calls) => {
      if (chunks && chunksize > 1) return [{ future: chunks(fn, argc, flat), chunk: true }];
      const entries: Entry[] = [];
      for (let k = 0; k < calls; k++) {
        entries.push({ future: submit(fn, flat.slice(k * argc, (k + 1) * argc)), chunk: false });
      }
      return entries;
    },
    chunksize,
    signal,
    gate,
  );
  run.start();
  return run.results();
}

class MapRun {
  #entries = new Deque<Entry>();
  #exhausted = false;
  #closed = false;
  #wake: (() => void) | undefined; // the consumer waits for the pump
  #space: (() => void) | undefined; // the pump waits for room in the buffer
  #unwait: (() => void) | undefined; // a sync fill waits for the gate
  readonly #async: boolean;
  readonly sources: Source[];
  readonly deadline: number;
  readonly buffersize: number | undefined;
  readonly submitChunk: (flatArgs: unknown[], calls: number) => Entry[];
  readonly chunksize: number;
  // From Executor.with(): once aborted, the map throws its reason.
  readonly signal: AbortSignal | undefined;
  // The executor's queue bound: submit only while it is not full.
  readonly gate: Gate | undefined;

  constructor(
    sources: Source[],
    deadline: number,
    buffersize: number | undefined,
    submitChunk: (flatArgs: unknown[], calls: number) => Entry[],
    chunksize: number,
    signal: AbortSignal | undefined,
    gate: Gate | undefined,
  ) {
    this.sources = sources;
    this.deadline = deadline;
    this.buffersize = buffersize;
    this.submitChunk = submitChunk;
    this.chunksize = chunksize;
    this.signal = signal;
    this.gate = gate;
    this.#async = sources.some((s) => !s.sync);
  }

  /** Submits what must be submitted at the call: all, a buffer, or a pump. */
  start(): void {
    if (this.#async) {
      void this.#pump();
      return;
    }
    try {
      this.#fill(this.buffersize ?? Infinity);
    } catch (error) {
      // The call failed, so nothing it submitted is wanted.
      this.#cancelAll();
      closeInputs(this.sources);
      throw error;
    }
  }

  /**
   * The iterator `map` returns. Hand-written rather than an async generator:
   * a generator pays several promise hops per yielded value, which made a
   * chunked map of tiny calls 4–10× slower than its raw baseline. Here a
   * value already received costs one resolved promise.
   */
  results(): AsyncIterableIterator<unknown> {
    let values: unknown[] = [];
    let at = 0;
    let failure: { error: unknown } | undefined; // thrown once the values are out
    let finished = false;
    let chain: Promise<unknown> = Promise.resolve();
    let waiting = 0;
    let sinceTurn = 0; // items handed out since the event loop last ran
    // Drops each value as it is handed out: the iterator keeps no reference.
    const take = () => {
      const value = values[at];
      // A number holds nothing: clearing it would only turn an array of
      // numbers into one of any values (in Bun, 4–9% of the loop's time).
      if (typeof value !== "number") values[at] = undefined;
      at++;
      return value;
    };
    // Early (break, a task's error, a timeout, a failed submit): the inputs
    // are closed too, as `for await` closes what it leaves.
    const finish = (early: boolean) => {
      finished = true;
      this.#closed = true;
      this.#cancelAll();
      if (early) closeInputs(this.sources);
      this.#space?.();
      this.#unwait?.();
    };
    const step = async (): Promise<IteratorResult<unknown>> => {
      while (at >= values.length) {
        if (failure) {
          const { error } = failure;
          failure = undefined;
          throw error;
        }
        if (finished) return { value: undefined, done: true };
        const entry = this.#entries.shift() ?? await this.#nextFromPump();
        if (!entry) {
          finish(false);
          return { value: undefined, done: true };
        }
        // Refill before waiting, as CPython does, so a worker is never idle
        // while the consumer waits for the oldest result.
        if (!this.#async && this.buffersize) this.#fill(this.buffersize);
        else this.#space?.();
        if ("error" in entry) throw entry.error;
        if (!entry.future.done()) sinceTurn = 0; // waiting for it lets the loop run
        else if (sinceTurn >= ITEMS_PER_TURN) {
          sinceTurn = 0;
          await nextTurn();
          if (finished) return { value: undefined, done: true }; // return() came meanwhile
        }
        const value = await this.#resultOf(entry.future);
        at = 0;
        if (!entry.chunk) values = [value];
        else if (value instanceof ChunkFailure) {
          values = value.values;
          failure = { error: value.error };
        } else values = value as unknown[];
        sinceTurn += values.length;
      }
      return { value: take(), done: false };
    };
    const iterator: AsyncIterableIterator<unknown> = {
      next() {
        if (waiting === 0 && at < values.length) {
          return Promise.resolve({ value: take(), done: false });
        }
        // Calls that must wait run one after another. `waiting` drops in the
        // same reaction that settles the caller's promise, so the caller's
        // next call already takes the fast path.
        waiting++;
        const result = chain.then(step).then((step) => {
          waiting--;
          return step;
        }, (error) => {
          waiting--;
          finish(true);
          throw error;
        });
        chain = result.catch(() => {});
        return result;
      },
      return() {
        finish(!finished);
        values = [];
        failure = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async #resultOf(future: Future<unknown>): Promise<unknown> {
    const left = this.deadline - performance.now();
    const ms = left === Infinity ? undefined : Math.max(0, left);
    if (this.signal?.aborted) throw this.signal.reason;
    const done = this.signal ? whenDoneOrAborted(future, ms, this.signal) : whenDone(future, ms);
    if (!(await done)) {
      if (this.signal?.aborted) throw this.signal.reason;
      future.cancel();
      throw new TimeoutError(
        `Cannot ${ACTION}: result not ready within the timeout`,
      );
    }
    if (future.cancelled()) throw this.signal?.aborted ? this.signal.reason : new CancelledError();
    const outcome = outcomeOf(future);
    if (outcome.ok) return outcome.value;
    if (outcome.error instanceof ChunkFailure) return outcome.error;
    throw outcome.error;
  }

  #fill(limit: number): void {
    const only = this.sources.length === 1 ? this.sources[0]! : undefined;
    while (this.#entries.length < limit && !this.#exhausted) {
      if (this.gate?.full) return this.#fillWhenReady(limit);
      if (only && "array" in only) {
        // Copied, not slice()d: a subclass's slice() runs its species
        // constructor, user code the iterator never calls.
        const { array, at } = only;
        const count = Math.max(0, Math.min(array.length, at + this.chunksize) - at);
        // Sized first: 2–3× faster than push() in Bun and Deno.
        const flat: unknown[] = poolArray(new Array(count));
        for (let i = 0; i < count; i++) flat[i] = array[at + i];
        only.at = at + count;
        if (count < this.chunksize) this.#exhausted = true;
        if (flat.length) this.#push(this.submitChunk(flat, flat.length));
        continue;
      }
      const flat: unknown[] = poolArray([]);
      let calls = 0;
      while (calls < this.chunksize) {
        if (!zipSync(this.sources, flat)) {
          this.#exhausted = true;
          break;
        }
        calls++;
      }
      if (calls) this.#push(this.submitChunk(flat, calls));
    }
  }

  // The executor's queue is full: submit the rest once it has room again
  // (the gate's low-water mark), instead of meeting QueueFullError.
  #fillWhenReady(limit: number): void {
    if (this.#unwait || this.#closed) return;
    this.#unwait = this.gate!.onReady(() => {
      this.#unwait = undefined;
      if (this.#closed) return;
      try {
        this.#fill(limit);
      } catch (error) {
        // After the call: the error is the next result, as in the pump.
        this.#exhausted = true;
        closeInputs(this.sources);
        this.#push([{ error }]);
      }
    });
  }

  async #pump(): Promise<void> {
    const ahead = this.buffersize ?? ASYNC_READ_AHEAD;
    let reads = 0;
    try {
      while (!this.#closed && !this.#exhausted && !this.signal?.aborted) {
        if (this.#entries.length >= ahead || this.gate?.full) {
          await this.#room();
          continue;
        }
        const flat: unknown[] = poolArray([]);
        let calls = 0;
        while (calls < this.chunksize) {
          if (++reads % READS_PER_TURN === 0) await nextTurn();
          // Checked before every read: once the map is over, no item is
          // taken from the input only to be dropped.
          if (this.#closed || this.signal?.aborted) return;
          const args = await zipAsync(this.sources);
          if (!args) {
            this.#exhausted = true;
            break;
          }
          flat.push(...args);
          calls++;
        }
        if (this.#closed) return;
        if (calls) this.#push(this.submitChunk(flat, calls));
      }
    } catch (error) {
      this.#push([{ error }]);
    } finally {
      this.#exhausted = true;
      this.#wake?.();
    }
  }

  // Until the consumer takes a result, the gate has room, or the map ends.
  #room(): Promise<void> {
    return new Promise((resolve) => {
      let off: (() => void) | undefined;
      const done = () => {
        off?.();
        this.#space = undefined;
        resolve();
      };
      if (this.gate?.full) off = this.gate.onReady(done);
      this.#space = done;
    });
  }

  #push(entries: Entry[]): void {
    for (const entry of entries) this.#entries.push(entry);
    this.#wake?.();
  }

  async #nextFromPump(): Promise<Entry | undefined> {
    while (this.#entries.length === 0 && !this.#exhausted) {
      const left = this.deadline - performance.now();
      if (left <= 0) {
        throw new TimeoutError(
          `Cannot ${ACTION}: input not ready within the timeout`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? undefined : startTimer(left, resolve);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return this.#entries.shift();
  }

  #cancelAll(): void {
    for (const entry of this.#entries.drain()) {
      if ("future" in entry) entry.future.cancel();
    }
  }
}

// Resolves on a later turn of the event loop. setImmediate where there is one
// (Deno 2, Bun, Node); a nested setTimeout(0) waits 4 ms in Deno.
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => immediate ? immediate(resolve) : setTimeout(resolve, 0));
}

// Resolves true when `future` is done, false when `ms` pass or `signal`
// aborts first.
function whenDoneOrAborted(
  future: Future<unknown>,
  ms: number | undefined,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const abort = () => resolve(false);
    signal.addEventListener("abort", abort, { once: true });
    whenDone(future, ms).then((done) => {
      signal.removeEventListener("abort", abort);
      resolve(done);
    });
  });
}

function toSource(value: unknown): Source {
  if (
    value !== null && (typeof value === "object" || typeof value === "string")
  ) {
    const it = Object(value);
    if (typeof it[Symbol.asyncIterator] === "function") {
      return { sync: false, it: it[Symbol.asyncIterator]() };
    }
    if (Array.isArray(it) && iteratesBuiltIn(it)) {
      return { sync: true, array: it, at: 0 };
    }
    if (typeof it[Symbol.iterator] === "function") {
      return { sync: true, it: it[Symbol.iterator]() };
    }
  }
  throw new TypeError(
    `Cannot ${ACTION}: each input must be an iterable or async iterable, received ${
      describe(value)
    }`,
  );
}

/** Appends the next zipped arguments to `flat`; false when an input ends. */
function zipSync(sources: Source[], flat: unknown[]): boolean {
  if (sources.length === 0) return false;
  const start = flat.length;
  for (const source of sources) {
    const step = nextOf(source) as IteratorResult<unknown>;
    if (step.done) {
      if (!("array" in source)) source.ended = true;
      flat.length = start;
      return false;
    }
    flat.push(step.value);
  }
  return true;
}

async function zipAsync(sources: Source[]): Promise<unknown[] | undefined> {
  if (sources.length === 0) return undefined;
  const steps = await Promise.all(sources.map(nextOf));
  steps.forEach((step, i) => {
    const source = sources[i]!;
    if (step.done && !("array" in source)) source.ended = true;
  });
  return steps.some((s) => s.done) ? undefined : steps.map((s) => s.value);
}

// Calls return() on every input not yet done, so a generator's finally runs
// and a queue knows to stop; what it throws or rejects with is not ours.
function closeInputs(sources: Source[]): void {
  for (const source of sources) {
    if ("array" in source || source.ended) continue;
    source.ended = true;
    try {
      const closed = source.it.return?.();
      if (closed && typeof (closed as Promise<unknown>).catch === "function") {
        (closed as Promise<unknown>).catch(() => {});
      }
    } catch {
      // A return() that throws has still been told.
    }
  }
}

function nextOf(
  source: Source,
): IteratorResult<unknown> | Promise<IteratorResult<unknown>> {
  if (!("array" in source)) return source.it.next();
  // As the built-in iterator does: the length is read at each step.
  if (source.at >= source.array.length) return { value: undefined, done: true };
  return { value: source.array[source.at++], done: false };
}

const ARRAY_VALUES = Array.prototype[Symbol.iterator];
const ARRAY_ITERATOR_NEXT = Object.getPrototypeOf([][Symbol.iterator]()).next;

// True when iterating `array` runs the built-ins, which reading it by index
// reproduces exactly; a patched iterator is called as usual.
function iteratesBuiltIn(array: unknown[]): boolean {
  return array[Symbol.iterator] === ARRAY_VALUES &&
    Object.getPrototypeOf(array[Symbol.iterator]()).next === ARRAY_ITERATOR_NEXT;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) &&
    !(Symbol.iterator in value) && !(Symbol.asyncIterator in value);
}
