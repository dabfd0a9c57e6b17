// Copyright 2026 the @concurrent/futures authors. MIT license.
// The marker a task returns to send its result back without a copy. Both
// sides know it by a Symbol.for key, so it works across copies of this
// package and in workers, which never load its files: an inline task (whose
// source is compiled in the worker and cannot import) reaches the same
// helper through the name `transfer`, which the worker binds around it.

/** The key of a marked result and of the worker's helper. */
export const TRANSFER: unique symbol = Symbol.for("@concurrent/futures/transfer") as never;

/** A task's result marked to move `list` instead of copying it. */
export interface Marked<T> {
  readonly [TRANSFER]: readonly unknown[];
  readonly value: T;
}

/** Wraps `value` so that the buffers in `list` move back without a copy. */
export function markTransfer<T>(value: T, list: readonly unknown[]): T {
  if (!Array.isArray(list)) {
    throw new TypeError("Cannot transfer the result: the list of buffers must be an array");
  }
  return { [TRANSFER]: list, value } as Marked<T> as T;
}

/**
 * The value inside a marked result, pushing its buffers onto `into`; any
 * other value is returned as is.
 */
export function unmark(value: unknown, into: unknown[]): unknown {
  const list = (value as Partial<Marked<unknown>>)[TRANSFER];
  if (list === undefined) return value;
  into.push(...list);
  return (value as Marked<unknown>).value;
}
