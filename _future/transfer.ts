// Copyright 2026 the @concurrent/futures authors. MIT license.
// The public face of _wire/transfer.ts: what a task returns to move its
// result's buffers back to the caller without a copy.

import { markTransfer } from "../_wire/transfer.ts";

/**
 * Returns `value` from a task so that the buffers in `list` move back to the
 * caller without a copy, from a thread worker (a child process copies them,
 * as it copies everything). The future's result is `value`; in the worker
 * the buffers are detached once sent.
 *
 * A module task imports it from `@concurrent/futures/future`. An inline task
 * is compiled from its source inside the worker, where it cannot import:
 * there the worker binds the same helper to the name `transfer`, so an
 * inline task calls it by that name (import it in your file under that
 * name, for the types). Only a task's own return value is looked at, not
 * the values of a `map` chunk.
 *
 * @typeParam T The result's type.
 * @param value The task's result.
 * @param list The `ArrayBuffer`s (or other transferables) inside `value` to move.
 * @returns A marked value, to be returned by the task as is.
 * @throws {TypeError} If `list` is not an array.
 *
 * @example Fill a large array in a worker and get it back without a copy
 * ```ts
 * import { transfer } from "@concurrent/futures/future";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
 * const filled = await executor.submit((n: number) => {
 *   const out = new Float64Array(n).fill(1.5);
 *   return transfer(out, [out.buffer]);
 * }, 1_000_000).result();
 * assert.equal(filled.length, 1_000_000);
 * assert.equal(filled[999_999], 1.5);
 * ```
 */
export function transfer<T>(value: T, list: readonly unknown[]): T {
  return markTransfer(value, list);
}
