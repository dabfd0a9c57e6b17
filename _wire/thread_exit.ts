// Copyright 2026 the @concurrent/futures authors. MIT license.
// What a thread says on its own channel as it ends itself, where its
// runtime would not say it: Deno's web Worker sends the main thread no event
// when a worker calls `close()` or `Deno.exit()` (`process.exit()` goes
// through `Deno.exit()`), so the worker code wraps both to post this first
// (_worker/thread_entry.ts), and the main side reports the exit on it
// (_runtime/web_worker.ts).

/**
 * Marks `[EXITING, code]`. Negative: never a pool token (an uint32), which
 * is what the other messages on that channel start with, nor DOORBELL.
 */
export const EXITING = -0x0e0e;

/** What a thread posts just before it ends itself with `code`. */
export type ExitingMessage = [typeof EXITING, code: number];

/** Tells whether `message` is a thread's `ExitingMessage`. */
export function isExiting(message: unknown): message is ExitingMessage {
  return Array.isArray(message) && message[0] === EXITING && message.length === 2;
}
