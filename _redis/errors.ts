// Copyright 2026 the @concurrent/futures authors. MIT license.
// The two outcomes a caller of the Redis client catches: the server refused a
// command (RedisError), or the connection failed under it
// (RedisConnectionError). Bad arguments get TypeError and RangeError instead.

// The code is the first word of the server's message when it is written in
// capitals, as every Redis and Valkey error is ("ERR", "WRONGTYPE", "NOGROUP").
const CODE = /^[A-Z][A-Z0-9_-]*(?= |$)/;

/**
 * An error reply from the server, such as `WRONGTYPE Operation against a key
 * holding the wrong kind of value`. The command reached the server and was
 * refused; the connection is fine.
 *
 * @example Tell a missing consumer group from other errors
 * ```ts
 * import { RedisError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new RedisError("NOGROUP No such key 'jobs' or consumer group 'workers'");
 * assert.equal(error.code, "NOGROUP");
 * assert.equal(error.name, "RedisError");
 * ```
 */
export class RedisError extends Error {
  /**
   * The error code: the first word of the server's message, such as `ERR`,
   * `WRONGPASS`, `NOGROUP` or `BUSYGROUP`; `ERR` when the message has none.
   */
  readonly code: string;

  /**
   * Makes the error.
   *
   * @param message The server's message, code first, as sent.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisError";
    this.code = CODE.exec(message)?.[0] ?? "ERR";
  }
}

/**
 * The client could not connect, or lost its connection before a reply came.
 *
 * `sent` says whether the command reached the socket. When it did, the server
 * may or may not have run it: a reply lost with the connection is
 * indistinguishable from a command that never arrived. A command with
 * `sent: false` certainly did not run. Retry only what is safe to run twice.
 *
 * @example Retry a command that never left the client
 * ```ts
 * import { RedisConnectionError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new RedisConnectionError("Cannot connect to Redis at 127.0.0.1:6399: connection refused", { sent: false });
 * assert.equal(error.sent, false);
 * ```
 */
export class RedisConnectionError extends Error {
  /** Whether the command was written to the socket (and so may have run). */
  readonly sent: boolean;

  /**
   * Makes the error.
   *
   * @param message What failed, and where.
   * @param options `sent` (default `false`) and the standard `cause`.
   */
  constructor(message: string, options: ErrorOptions & { sent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RedisConnectionError";
    this.sent = options.sent ?? false;
  }
}
