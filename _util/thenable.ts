// Copyright 2026 the @concurrent/futures authors. MIT license.

/** Tells whether `value` is a promise or promise-like. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
