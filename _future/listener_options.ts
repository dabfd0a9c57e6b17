// Copyright 2026 the @concurrent/futures authors. MIT license.
// The options every executor's addEventListener takes, in one place for the
// pools and RedisExecutor.

/**
 * Options of an executor's `addEventListener` (the pools', `RedisExecutor`'s): the platform's
 * `AddEventListenerOptions`, spelled out because a Node project's TypeScript
 * (`@types/node` without the DOM library) has no global of that name.
 *
 * @example Listen once
 * ```ts
 * import type { ListenerOptions } from "@concurrent/futures";
 *
 * const options: ListenerOptions = { once: true };
 * ```
 */
export interface ListenerOptions {
  /** As for `EventTarget.addEventListener`: no executor event bubbles, so it changes nothing. */
  capture?: boolean;
  /** Removes the listener after its first call. */
  once?: boolean;
  /** As for `EventTarget.addEventListener`: executor events cannot be cancelled. */
  passive?: boolean;
  /** Removes the listener when aborted. */
  signal?: AbortSignal;
}
