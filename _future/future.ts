// Copyright 2026 the @concurrent/futures authors. MIT license.
// Future<T>: CPython's state machine (_base.py) with promise-returning waits.

import { CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";
import { checkFunction, checkOptions, checkTimeout, startTimer } from "./validate.ts";

/**
 * The states of a {@linkcode Future}, as in Python.
 *
 * @example
 * ```ts
 * import { Future, type FutureState } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const state: FutureState = new Future().state;
 * assert.equal(state, "pending");
 * ```
 */
export type FutureState = "pending" | "running" | "cancelled" | "finished";

/**
 * Options of {@linkcode Future.result} and {@linkcode Future.exception}.
 *
 * @example
 * ```ts
 * import { Future, type ResultOptions, TimeoutError } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const options: ResultOptions = { timeout: 0 };
 * await assert.rejects(new Future().result(options), TimeoutError);
 * ```
 */
export interface ResultOptions {
  /**
   * How long to wait, in milliseconds, before rejecting with `TimeoutError`;
   * `0` checks once without waiting.
   *
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number | undefined;
}

type Listener = () => void;

/**
 * Lets an executor that sends tasks ahead to a busy worker keep them
 * cancellable: `started()` tells whether the worker has begun the task, and
 * `cancel()` atomically stops it from starting, returning `false` if too late.
 */
export interface StartProbe {
  started(): boolean;
  cancel(): boolean;
}

// What executors and wait() need that no public member offers. A static
// block is how module code reaches #private fields; each hook is set there
// once and has this one name.

/**
 * Calls `listener` once when `future` is done (not at once if it already is).
 * Returns a function that removes the listener.
 */
export let onDone: <T>(future: Future<T>, listener: Listener) => () => void;
/** Tells whether a done future finished with an exception. */
export let hasFailed: (future: Future<unknown>) => boolean;
/** Reads a finished future's outcome without waiting. */
export let outcomeOf: <T>(
  future: Future<T>,
) => { ok: true; value: T } | { ok: false; error: unknown };
/** Attaches a start probe to a pending future (see {@linkcode StartProbe}). */
export let setStartProbe: (future: Future<unknown>, probe: StartProbe) => void;
/**
 * Makes a future that is not done pending again, without a probe: its task
 * was sent to a worker that was stopped before the task began, and it goes
 * back to the queue (where `cancel()` wins again).
 */
export let setPendingAgain: (future: Future<unknown>) => void;

/**
 * The eventual result of a task, as in Python's `concurrent.futures.Future`.
 *
 * A future starts `pending`, becomes `running` when an executor starts it,
 * and ends `finished` (with a result or an exception) or `cancelled`. Read the
 * outcome with `await future.result()`.
 *
 * A `Future` is deliberately not thenable: it has no `then`, so `await`,
 * promises and async generators pass it through instead of unwrapping it, and
 * `for await (const f of asCompleted(fs))` gives you the future itself.
 *
 * A failed future that nobody reads never causes an unhandled rejection.
 *
 * @typeParam T The type of the result.
 *
 * @example Settle a future by hand
 * ```ts
 * import { Future } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const future = new Future<number>();
 * future.addDoneCallback((f) => console.log("done:", f.state));
 * future.setResult(42);
 * assert.equal(await future.result(), 42);
 * ```
 */
export class Future<T> {
  #state: FutureState = "pending";
  #value: T | undefined;
  #error: unknown;
  #failed = false;
  // Closures rather than the callbacks themselves keep Future<T> covariant.
  #callbacks: Listener[] | undefined;
  #listeners: Listener[] | undefined;
  #probe: StartProbe | undefined;

  static {
    onDone = (future, listener) => {
      (future.#listeners ??= []).push(listener);
      return () => {
        const at = future.#listeners?.indexOf(listener) ?? -1;
        if (at >= 0) future.#listeners!.splice(at, 1);
      };
    };
    hasFailed = (future) => future.#failed;
    outcomeOf = (future) =>
      future.#failed
        ? { ok: false, error: future.#error }
        : { ok: true, value: future.#value as never };
    setStartProbe = (future, probe) => {
      future.#probe = probe;
    };
    setPendingAgain = (future) => {
      if (future.done()) return;
      future.#state = "pending";
      future.#probe = undefined;
    };
  }

  /** The current state: `"pending"`, `"running"`, `"cancelled"` or `"finished"`. */
  get state(): FutureState {
    // A task sent ahead to a worker is pending here until the worker starts
    // it; the probe tells whether that has happened. Reading never changes
    // the state: cancel() settles the race with the worker atomically.
    return this.#state === "pending" && this.#probe?.started() ? "running" : this.#state;
  }

  /**
   * Cancels the future if it has not started.
   *
   * A pending future becomes cancelled and its done callbacks run. A running
   * task is never interrupted: cancelling it does nothing.
   *
   * @returns `true` if the future is cancelled (now or before), `false` if it
   * is running or finished.
   */
  cancel(): boolean {
    if (this.#state === "cancelled") return true;
    if (this.#state !== "pending") return false;
    if (this.#probe && !this.#probe.cancel()) {
      this.#start(); // the worker got to it first
      return false;
    }
    this.#state = "cancelled";
    this.#probe = undefined;
    this.#settle();
    return true;
  }

  /**
   * Tells whether the future was cancelled.
   *
   * @returns `true` if the future is cancelled.
   */
  cancelled(): boolean {
    return this.#state === "cancelled";
  }

  /**
   * Tells whether the task is running now.
   *
   * @returns `true` while the future is running.
   */
  running(): boolean {
    return this.state === "running";
  }

  /**
   * Tells whether the future is done: finished or cancelled.
   *
   * @returns `true` once the future is finished or cancelled.
   */
  done(): boolean {
    return this.#state === "finished" || this.#state === "cancelled";
  }

  /**
   * Waits for the task's result.
   *
   * @param options How long to wait.
   * @returns The result of the task.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If the future is not done within `timeout` ms.
   * @throws {unknown} Whatever the task threw, as it was thrown.
   * @throws {RangeError} If `timeout` is negative.
   */
  result(options?: ResultOptions): Promise<T> {
    return this.#read(options, "get result", false) as Promise<T>;
  }

  /**
   * Waits for the task and returns what it threw.
   *
   * @param options How long to wait.
   * @returns The task's exception, or `undefined` if it succeeded.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If the future is not done within `timeout` ms.
   * @throws {RangeError} If `timeout` is negative.
   */
  exception(options?: ResultOptions): Promise<unknown> {
    return this.#read(options, "get exception", true);
  }

  /**
   * Calls `fn(future)` once the future is done, in registration order. On a
   * future that is already done, `fn` runs at once, synchronously. A callback
   * that throws is reported on `console.error`; the next callbacks still run.
   *
   * @param fn The callback.
   * @throws {TypeError} If `fn` is not a function.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    checkFunction(fn, "fn", "add done callback");
    if (this.done()) this.#call(fn);
    else (this.#callbacks ??= []).push(() => this.#call(fn));
  }

  /**
   * Marks the future running, for executor implementations: call it right
   * before starting the task, and skip the task if it returns `false`.
   *
   * @returns `true` if the future was pending and is now running, `false` if
   * it was cancelled.
   * @throws {InvalidStateError} If the future is running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === "cancelled") return false;
    if (this.#state !== "pending") {
      throw new InvalidStateError(
        `Cannot set future running: it is already ${this.#state}`,
      );
    }
    this.#start();
    return true;
  }

  /**
   * Finishes the future with a result, for executor implementations.
   *
   * @param value The result.
   * @throws {InvalidStateError} If the future is already finished or cancelled.
   */
  setResult(value: T): void {
    this.#finish("set result");
    this.#value = value;
    this.#settle();
  }

  /**
   * Finishes the future with an exception, for executor implementations. Any
   * value counts as a failure, even a falsy one.
   *
   * @param error What the task threw.
   * @throws {InvalidStateError} If the future is already finished or cancelled.
   */
  setException(error: unknown): void {
    this.#finish("set exception");
    this.#failed = true;
    this.#error = error;
    this.#settle();
  }

  /**
   * Describes the future, as Python's `repr` does.
   *
   * @returns For example `Future<finished: returned number>`.
   */
  toString(): string {
    if (this.#state !== "finished") return `Future<${this.state}>`;
    return this.#failed
      ? `Future<finished: raised ${errorName(this.#error)}>`
      : `Future<finished: returned ${typeName(this.#value)}>`;
  }

  /**
   * How `console.log` shows the future in Deno: its state, and its result or
   * error once finished.
   *
   * @param inspect Deno's inspect function.
   * @param options Deno's inspect options.
   * @returns For example `Future { state: "finished", result: 42 }`.
   */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options?: unknown,
  ): string {
    return this.#inspect((value) => inspect(value, options));
  }

  /**
   * How `console.log` and `util.inspect` show the future in Bun and Node.js:
   * its state, and its result or error once finished.
   *
   * @param _depth The depth left.
   * @param options The inspect options.
   * @param inspect The runtime's `util.inspect`.
   * @returns For example `Future { state: "finished", result: 42 }`.
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options?: unknown) => string,
  ): string {
    return this.#inspect((value) => inspect ? inspect(value, options) : String(value));
  }

  #inspect(show: (value: unknown) => string): string {
    const state = this.state;
    if (state !== "finished") return `Future { state: "${state}" }`;
    return this.#failed
      ? `Future { state: "finished", error: ${show(this.#error)} }`
      : `Future { state: "finished", result: ${show(this.#value)} }`;
  }

  #start(): void {
    this.#state = "running";
    this.#probe = undefined;
  }

  #finish(action: string): void {
    if (this.done()) {
      throw new InvalidStateError(
        `Cannot ${action}: future is already ${this.#state}`,
      );
    }
    this.#state = "finished";
    this.#probe = undefined;
  }

  #settle(): void {
    const listeners = this.#listeners;
    const callbacks = this.#callbacks;
    this.#listeners = this.#callbacks = undefined;
    if (listeners) { for (const listener of listeners) listener(); }
    if (callbacks) { for (const callback of callbacks) callback(); }
  }

  #call(fn: (future: Future<T>) => void): void {
    try {
      fn(this);
    } catch (error) {
      console.error(`Exception calling done callback for ${this}:`, error);
    }
  }

  // One promise per call, and none beyond it for a done future: every
  // task's result passes through here.
  #read(
    options: ResultOptions | undefined,
    action: string,
    exception: boolean,
  ): Promise<unknown> {
    let timeout: number | undefined;
    try {
      if (options !== undefined) {
        timeout = checkTimeout(checkOptions(options, action, ["timeout"]).timeout, action);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.done()) return this.#outcome(exception);
    if (timeout === 0) return Promise.reject(timedOut(action, 0));
    return new Promise((resolve, reject) => {
      const off = onDone(this, () => {
        clearTimeout(timer);
        // Settled with the value itself: resolving with a promise of it
        // would cost two more turns of the microtask queue.
        this.#give(exception, resolve, reject);
      });
      const timer = timeout === undefined ? undefined : startTimer(timeout, () => {
        off();
        reject(timedOut(action, timeout));
      });
    });
  }

  #outcome(exception: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => this.#give(exception, resolve, reject));
  }

  // What a read of a done future gives: its exception (or undefined) when
  // `exception`, else its value; a CancelledError either way if cancelled.
  #give(
    exception: boolean,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): void {
    if (this.#state === "cancelled") reject(new CancelledError());
    else if (exception) resolve(this.#failed ? this.#error : undefined);
    else if (this.#failed) reject(this.#error);
    else resolve(this.#value);
  }
}

function timedOut(action: string, ms: number): TimeoutError {
  return new TimeoutError(`Cannot ${action}: future not done within ${ms} ms`);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return Object.getPrototypeOf(value)?.constructor?.name ?? "Object";
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeName(error);
}

/**
 * Resolves `true` when `future` is done, or `false` if `ms` milliseconds pass
 * first (`undefined` waits forever, `0` checks now).
 */
export function whenDone(
  future: Future<unknown>,
  ms: number | undefined,
): Promise<boolean> {
  if (future.done()) return Promise.resolve(true);
  if (ms === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const off = onDone(future, () => {
      clearTimeout(timer);
      resolve(true);
    });
    const timer = ms === undefined ? undefined : startTimer(ms, () => {
      off();
      resolve(false);
    });
  });
}

/** Checks that `value` is a Future, for functions that take futures. */
export function checkFuture(value: unknown, action: string): Future<unknown> {
  if (value instanceof Future) return value;
  throw new TypeError(
    `Cannot ${action}: expected a Future, received ${typeName(value)}`,
  );
}
