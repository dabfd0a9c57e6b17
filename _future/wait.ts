// Copyright 2026 the @concurrent/futures authors. MIT license.
// wait() and asCompleted(), as in _base.py, except that a cancelled future
// counts as done at once (CPython gh-92001 is a bug we do not copy).

import { TimeoutError } from "./errors.ts";
import { checkFuture, type Future, hasFailed, onDone } from "./future.ts";
import { Deque } from "../_util/deque.ts";
import { checkOptions, checkTimeout, describe, startTimer } from "./validate.ts";

/**
 * `wait` returns when any future finishes or is cancelled.
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const failed = new Future<number>();
 * failed.setException(new Error("failed"));
 * const { notDone } = await wait([failed, new Future<number>()], { returnWhen: FIRST_COMPLETED, timeout: 0 });
 * assert.equal(notDone.size, 1);
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait` returns when any future finishes by raising an exception; if none
 * does, when all are done. A cancelled future does not count as an exception.
 *
 * @example
 * ```ts
 * import { FIRST_EXCEPTION, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const failed = new Future<number>();
 * failed.setException(new Error("failed"));
 * const { notDone } = await wait([failed, new Future<number>()], { returnWhen: FIRST_EXCEPTION, timeout: 0 });
 * assert.equal(notDone.size, 1);
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait` returns when every future is done (the default).
 *
 * @example
 * ```ts
 * import { ALL_COMPLETED, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const failed = new Future<number>();
 * failed.setException(new Error("failed"));
 * const { notDone } = await wait([failed, new Future<number>()], { returnWhen: ALL_COMPLETED, timeout: 0 });
 * assert.equal(notDone.size, 1);
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/**
 * When {@linkcode wait} returns.
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED, type ReturnWhen } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const returnWhen: ReturnWhen = FIRST_COMPLETED;
 * assert.equal(returnWhen, "FIRST_COMPLETED");
 * ```
 */
export type ReturnWhen =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

/**
 * Options of {@linkcode wait}.
 *
 * @example
 * ```ts
 * import { Future, wait, type WaitOptions } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const options: WaitOptions = { timeout: 1 };
 * const { notDone } = await wait([new Future()], options);
 * assert.equal(notDone.size, 1);
 * ```
 */
export interface WaitOptions {
  /**
   * How long to wait, in milliseconds. When it passes, `wait` returns the
   * futures as they are then; it does not throw.
   *
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number | undefined;
  /**
   * When to return: {@linkcode FIRST_COMPLETED}, {@linkcode FIRST_EXCEPTION}
   * or {@linkcode ALL_COMPLETED}.
   *
   * @default {"ALL_COMPLETED"}
   */
  returnWhen?: ReturnWhen | undefined;
}

/**
 * What {@linkcode wait} returns: the futures split by whether they are done.
 *
 * @typeParam T The futures' result type.
 * @typeParam F The futures' type: for futures of different result types,
 * the union of their types (`Future<number> | Future<string>`).
 *
 * @example
 * ```ts
 * import { type DoneAndNotDone, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const future = new Future<number>();
 * future.setResult(1);
 * const split: DoneAndNotDone<number> = await wait([future]);
 * assert.ok(split.done.has(future));
 * ```
 */
export interface DoneAndNotDone<T, F extends Future<unknown> = Future<T>> {
  /** The futures that are finished or cancelled. */
  done: Set<F>;
  /** The futures that are still pending or running. */
  notDone: Set<F>;
}

/**
 * The result type of a future type; of each member of a union.
 *
 * @typeParam F A future type.
 *
 * @example
 * ```ts
 * import type { Future, FutureResult } from "@concurrent/futures/future";
 *
 * const value: FutureResult<Future<number> | Future<string>> = "either";
 * ```
 */
export type FutureResult<F> = F extends Future<infer T> ? T : never;

/**
 * Options of {@linkcode asCompleted}.
 *
 * @example
 * ```ts
 * import { asCompleted, type AsCompletedOptions, Future, TimeoutError } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const options: AsCompletedOptions = { timeout: 0 };
 * const iterator = asCompleted([new Future()], options);
 * await assert.rejects(iterator.next(), TimeoutError);
 * ```
 */
export interface AsCompletedOptions {
  /**
   * How long, in milliseconds from the call, to wait for all the futures;
   * when it passes with futures outstanding, the iterator throws
   * `TimeoutError`.
   *
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number | undefined;
}

const RETURN_WHEN: readonly string[] = [
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
];

/**
 * Waits for futures, possibly from different executors, and splits them into
 * `done` and `notDone`. Duplicates collapse.
 *
 * @typeParam T The futures' result type.
 * @param futures The futures to wait for.
 * @param options When to return and how long to wait.
 * @returns The futures split into two sets.
 * @throws {TypeError} If `returnWhen` is not one of the three constants or an
 * element is not a `Future`.
 * @throws {RangeError} If `timeout` is negative.
 *
 * @example Return at the first failure
 * ```ts
 * import { FIRST_EXCEPTION, Future, wait } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const ok = new Future<number>();
 * const bad = new Future<number>();
 * const slow = new Future<number>();
 * ok.setResult(1);
 * bad.setException(new Error("boom"));
 * const { done, notDone } = await wait([ok, bad, slow], { returnWhen: FIRST_EXCEPTION });
 * assert.deepEqual([done.size, notDone.has(slow)], [2, true]);
 * ```
 */
export function wait<T>(
  futures: Iterable<Future<T>>,
  options?: WaitOptions,
): Promise<DoneAndNotDone<T>>;
/**
 * As above, for futures of different result types (`wait([count, name])`):
 * the sets hold the futures as they were given.
 *
 * @typeParam F The futures' type, a union of future types.
 * @param futures The futures to wait for.
 * @param options When to return and how long to wait.
 * @returns The futures split into two sets.
 */
export function wait<F extends Future<unknown>>(
  futures: Iterable<F>,
  options?: WaitOptions,
): Promise<DoneAndNotDone<FutureResult<F>, F>>;
export async function wait(
  futures: Iterable<Future<unknown>>,
  options?: WaitOptions,
): Promise<DoneAndNotDone<unknown>> {
  const action = "wait for futures";
  const { timeout, returnWhen = ALL_COMPLETED } = checkOptions(options, action, [
    "timeout",
    "returnWhen",
  ]);
  const ms = checkTimeout(timeout, action);
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new TypeError(
      `Cannot ${action}: returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, received ${
        describe(returnWhen)
      }`,
    );
  }
  const all = collect(futures, action);
  const notDone = new Set([...all].filter((f) => !f.done()));
  const isSatisfied = () =>
    notDone.size === 0 ||
    (returnWhen === FIRST_COMPLETED && notDone.size < all.size) ||
    (returnWhen === FIRST_EXCEPTION && [...all].some(failedNow));
  if (!isSatisfied() && ms !== 0) {
    await new Promise<void>((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        for (const off of offs) off();
        resolve();
      };
      const timer = ms === undefined ? undefined : startTimer(ms, stop);
      const offs = [...notDone].map((f) =>
        onDone(f, () => {
          notDone.delete(f);
          if (
            notDone.size === 0 || returnWhen === FIRST_COMPLETED ||
            (returnWhen === FIRST_EXCEPTION && failedNow(f))
          ) stop();
        })
      );
    });
  }
  const done = new Set([...all].filter((f) => f.done()));
  return { done, notDone: new Set([...all].filter((f) => !f.done())) };
}

/**
 * Yields each distinct future once as it completes: those already done
 * first, then in completion order. Futures may come from different executors.
 *
 * @typeParam T The futures' result type.
 * @param futures The futures to watch.
 * @param options The deadline, counted from this call.
 * @returns An async iterator of the futures.
 * @throws {TimeoutError} From the iterator, with the message
 * `"N (of M) futures unfinished"`, when the deadline passes first.
 * @throws {TypeError} If an element is not a `Future`.
 * @throws {RangeError} If `timeout` is negative.
 *
 * @example Print progress as results arrive
 * ```ts
 * import { asCompleted, Future } from "@concurrent/futures/future";
 * import assert from "node:assert/strict";
 *
 * const futures = [new Future<number>(), new Future<number>()];
 * setTimeout(() => futures[1]!.setResult(2), 1);
 * setTimeout(() => futures[0]!.setResult(1), 5);
 * const order = [];
 * for await (const future of asCompleted(futures)) {
 *   order.push(await future.result());
 *   console.log(`${order.length} of ${futures.length} done`);
 * }
 * assert.deepEqual(order, [2, 1]);
 * ```
 */
export function asCompleted<T>(
  futures: Iterable<Future<T>>,
  options?: AsCompletedOptions,
): AsyncIterableIterator<Future<T>>;
/**
 * As above, for futures of different result types
 * (`asCompleted([count, name])`): it yields them as they were given.
 *
 * @typeParam F The futures' type, a union of future types.
 * @param futures The futures to watch.
 * @param options The deadline, counted from this call.
 * @returns An async iterator of the futures.
 */
export function asCompleted<F extends Future<unknown>>(
  futures: Iterable<F>,
  options?: AsCompletedOptions,
): AsyncIterableIterator<F>;
export function asCompleted<T>(
  futures: Iterable<Future<T>>,
  options?: AsCompletedOptions,
): AsyncIterableIterator<Future<T>> {
  const action = "iterate futures as completed";
  const ms = checkTimeout(checkOptions(options, action, ["timeout"]).timeout, action);
  const deadline = ms === undefined ? undefined : performance.now() + ms;
  const all = collect(futures, action);
  // A deque, not an array: Array.prototype.shift is O(n) in V8 on long
  // arrays, which made draining 200,000 futures take 13 s in Deno.
  const ready = new Deque<Future<T>>();
  for (const f of all) if (f.done()) ready.push(f);
  const pending = new Set([...all].filter((f) => !f.done()));
  let wake: (() => void) | undefined;
  // Listen from the call on, so completion order is the order of the events.
  const offs = [...pending].map((f) =>
    onDone(f, () => {
      ready.push(f);
      wake?.();
    })
  );
  return (async function* () {
    try {
      for (;;) {
        for (let f = ready.shift(); f; f = ready.shift()) {
          pending.delete(f);
          yield f;
        }
        if (pending.size === 0) return;
        const left = deadline === undefined ? undefined : deadline - performance.now();
        if (left !== undefined && left <= 0) {
          throw new TimeoutError(
            `${pending.size} (of ${all.size}) futures unfinished`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = left === undefined ? undefined : startTimer(left, resolve);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      for (const off of offs) off();
    }
  })();
}

function collect<T>(
  futures: Iterable<Future<T>>,
  action: string,
): Set<Future<T>> {
  if (
    futures === null || typeof futures !== "object" ||
    !(Symbol.iterator in futures)
  ) {
    throw new TypeError(
      `Cannot ${action}: futures must be an iterable of Future, received ${describe(futures)}`,
    );
  }
  const all = new Set<Future<T>>();
  for (const f of futures) all.add(checkFuture(f, action) as Future<T>);
  return all;
}

function failedNow(future: Future<unknown>): boolean {
  return future.done() && !future.cancelled() && hasFailed(future);
}
