// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a pool child and this package tell a real worker from a copy of the
// user's program. A process pool starts `<runtime> <worker code> WORKER_ARG`.
// If the executable ran the program instead (a compiled binary whose
// execPath is the app), the program sees WORKER_ARG in its argv when it
// loads this package, and exits before it can start a pool of its own
// (_runtime/guard.ts). The real worker code marks its global scope first, so
// a task that loads this package is not taken for such a copy, and cannot
// start a process pool inside a pool child either.

/** The last argument of every pool child's command line. */
export const WORKER_ARG = "@concurrent/futures:process-worker";

/** Set to `true` on `globalThis` by the worker code of a pool child. */
export const IN_PROCESS_WORKER: unique symbol = Symbol.for("@concurrent/futures:in-process-worker");

/** Marks this process as a pool child that runs the real worker code. */
export function markProcessWorker(): void {
  (globalThis as { [IN_PROCESS_WORKER]?: boolean })[IN_PROCESS_WORKER] = true;
}

/** Tells whether this process is a pool child running the real worker code. */
export function isProcessWorker(): boolean {
  return (globalThis as { [IN_PROCESS_WORKER]?: boolean })[IN_PROCESS_WORKER] === true;
}
