// Copyright 2026 the @concurrent/futures authors. MIT license.
// The Redis client: a queue of commands in front of one Connection at a time.
//
// Pipelining is automatic: `send` only queues, and one microtask later every
// command queued in that tick goes out in one write; replies come back in
// order and are matched first-in first-out. When the connection drops, the
// commands it had written fail (they may have run), the ones not yet written
// stay queued, and a new connection is opened after a capped exponential
// backoff. The first connection is not retried: a wrong URL or a server that
// is not there fails `connect()` (and every queued command) at once.
//
//   send() ──> #waiting ──flush──> Connection (#inflight) ──reply──> promise
//                  ^                    │ closes
//                  └── backoff, reopen <┘   (written commands fail, sent: true)

import { clearTimeout, setTimeout } from "node:timers";
import { Deque } from "../_util/deque.ts";
import {
  type RedisClientEvent,
  type RedisClientOptions,
  type RedisConfig,
  resolveConfig,
} from "./config.ts";
import { Connection, describeError, type Pending } from "./connection.ts";
import { RedisConnectionError } from "./errors.ts";
import { blockingTime } from "./blocking_time.ts";
import type { RespValue } from "./resp.ts";
import { CommandBuffer, type RedisArg } from "./resp_encode.ts";

/** Where a client is in its life. */
export type RedisClientStatus =
  | "idle"
  | "connecting"
  | "ready"
  | "reconnecting"
  | "closing"
  | "closed";

/** Options for one command. */
export interface SendOptions {
  /** Return bulk strings in the reply as `Uint8Array` instead of UTF-8 text. @default {false} */
  bytes?: boolean;
  /**
   * Milliseconds the command may block before the server answers, which
   * the dead-connection check allows for.
   * @default {read from the command: `XREAD … BLOCK ms`, `BLPOP … seconds`, `WAIT n ms`}
   */
  block?: number;
}

/** Options for {@linkcode RedisClient.close}. */
export interface CloseOptions {
  /**
   * Close at once instead of waiting for the replies still owed, which then
   * fail with a {@linkcode RedisConnectionError} (`sent: true`).
   * @default {false}
   */
  force?: boolean;
}

interface Command extends Pending {
  /** Where the command's bytes end in the client's CommandBuffer. */
  end: number;
  queuedAt: number;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A Redis client over `node:net`/`node:tls`, for Deno and Bun alike.
 *
 * One client is one connection, so a blocking command (`BLPOP`,
 * `XREADGROUP … BLOCK`) holds up every command queued behind it: run those on
 * a dedicated client from {@linkcode RedisClient.duplicate}.
 *
 * When the connection drops, a command already written fails with a
 * {@linkcode RedisConnectionError} whose `sent` is `true`: the server may or
 * may not have run it, and only the caller knows whether running it twice is
 * safe, so it is never retried. Commands not yet written wait for the
 * reconnection (up to `offlineTimeout`, then fail with `sent: false`). The
 * client never throws from a socket callback: every failure goes to a
 * command's promise or to `onEvent`.
 *
 * @example Set and get a key
 * ```ts ignore
 * import { RedisClient } from "./client.ts";
 * import assert from "node:assert/strict";
 *
 * await using client = new RedisClient("redis://127.0.0.1:6379/0");
 * await client.send(["SET", "greeting", "hello", "PX", 60_000]);
 * assert.equal(await client.send(["GET", "greeting"]), "hello");
 * ```
 */
export class RedisClient implements AsyncDisposable {
  readonly #options: RedisClientOptions;
  readonly #config: RedisConfig;
  #status: RedisClientStatus = "idle";
  #connection: Connection | null = null;
  #opening: Promise<void> | null = null;
  // Commands not yet written, and their bytes, in the same order.
  readonly #waiting = new Deque<Command>();
  readonly #buffer = new CommandBuffer();
  #flushQueued = false;
  #failures = 0;
  #lastError: Error | undefined;
  #backoffTimer: Timer | undefined;
  #offlineTimer: Timer | undefined;
  #holdProcess = true;
  #drained: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  /**
   * Makes a client; nothing connects until the first command or `connect()`.
   *
   * @param options A URL (`redis://`, `rediss://`, `unix://`) or an options object.
   * @throws {TypeError} If the URL cannot be parsed or an option has the wrong type.
   * @throws {RangeError} If a port, database number or delay is out of range.
   */
  constructor(options: string | RedisClientOptions = {}) {
    this.#config = resolveConfig(options);
    this.#options = typeof options === "string" ? { url: options } : { ...options };
  }

  /** `host:port` or the socket path. */
  get address(): string {
    return this.#config.address;
  }

  /** Where the client is in its life. */
  get status(): RedisClientStatus {
    return this.#status;
  }

  /**
   * Sends a command. Commands sent in the same tick go out in one write.
   *
   * @param args The command and its arguments, such as `["XADD", "jobs", "*", "task", payload]`.
   * @param options Whether bulk strings come back as bytes.
   * @returns The reply. An error reply rejects with a `RedisError` instead.
   * @throws {TypeError} (as a rejection) If an argument is not a string, Uint8Array or number.
   * @throws {RedisConnectionError} (as a rejection) If no connection could be had, or the
   * connection was lost before the reply; `sent` tells whether the command may have run.
   */
  send(args: readonly RedisArg[], options: SendOptions = {}): Promise<RespValue> {
    if (this.#status === "closing" || this.#status === "closed") {
      return Promise.reject(this.#notSent("the client is closed"));
    }
    if (this.#status !== "ready" && this.#waiting.length >= this.#config.maxOfflineCommands) {
      return Promise.reject(
        this.#notSent(`${this.#waiting.length} commands are already waiting for a connection`),
      );
    }
    let end: number;
    try {
      end = this.#buffer.append(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const asBytes = options.bytes === true;
      // A command sent while ready is written this tick; only one that has
      // to wait is timed (performance.now() is a host call in Deno).
      const queuedAt = this.#status === "ready" ? 0 : performance.now();
      const block = options.block ?? blockingTime(args);
      this.#waiting.push({ end, resolve, reject, asBytes, queuedAt, block });
      if (this.#status === "ready") this.#queueFlush();
      else if (this.#status === "idle") this.#open();
      else this.#armOfflineTimer();
      this.#updateRef();
    });
  }

  /**
   * Connects now (if not yet connected) and checks the server answers PING.
   * Like any command, the PING waits behind a blocking command in flight.
   *
   * @throws {RedisConnectionError} With the reason, such as
   * `Cannot connect to Redis at 127.0.0.1:6399: connection refused`.
   */
  async connect(): Promise<void> {
    await this.send(["PING"]);
  }

  /**
   * A new, unconnected client with the same options (and `overrides`): the
   * dedicated connection for blocking commands.
   *
   * @param overrides Options that differ, such as `{ name: "blocking" }`.
   * @returns The new client; close it separately.
   */
  duplicate(overrides: RedisClientOptions = {}): RedisClient {
    return new RedisClient({ ...this.#options, ...overrides });
  }

  /**
   * Lets the process exit while this client has nothing to do: no command
   * waiting, none in flight. A command sent later holds the process again
   * until its reply comes.
   */
  unref(): void {
    this.#holdProcess = false;
    this.#updateRef();
  }

  /** Undoes {@linkcode RedisClient.unref}: an open connection keeps the process alive. */
  ref(): void {
    this.#holdProcess = true;
    this.#updateRef();
  }

  /**
   * Closes the client: no more commands, no reconnects. By default the
   * commands already sent get their replies first (so a `BLPOP` delays the
   * close until it returns); commands waiting for a connection fail.
   *
   * @param options `force: true` to close the socket at once.
   * @returns A promise that resolves once the socket is closed.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) {
      if (options.force) this.#connection?.destroy(new Error("the client was closed"));
      return this.#closed;
    }
    const graceful = this.#status === "ready" && options.force !== true;
    this.#status = "closing";
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#offlineTimer);
    this.#backoffTimer = this.#offlineTimer = undefined;
    this.#closed = this.#shutdown(graceful);
    return this.#closed;
  }

  /** Same as {@linkcode RedisClient.close} without options. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(graceful: boolean): Promise<void> {
    if (graceful) {
      this.#flush();
      await this.#drain();
    } else {
      this.#failWaiting(() => this.#notSent("the client was closed"));
    }
    await this.#opening; // an attempt under way settles first, then is closed below
    const connection = this.#connection;
    if (connection) {
      // Held until the socket has closed: an unreferenced idle client would
      // otherwise let the program end while `close()` is still awaited.
      connection.setRef(true);
      if (graceful) connection.end();
      else connection.destroy(new Error("the client was closed"));
      await connection.closed;
    }
    this.#connection = null;
    this.#status = "closed";
  }

  #drain(): Promise<void> {
    const connection = this.#connection;
    if (!connection || connection.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
      connection.closed.then(() => resolve());
    });
  }

  #open(): void {
    const firstAttempt = this.#status === "idle";
    this.#status = "connecting";
    this.#armOfflineTimer();
    const hooks = {
      onIdle: () => this.#onIdle(),
      onPush: (data: RespValue[]) => this.#emit({ type: "push", data }),
    };
    this.#opening = Connection.open(this.#config, hooks).then(
      (connection) => this.#onOpen(connection),
      (error: Error) => this.#onOpenFailed(error, firstAttempt),
    ).finally(() => (this.#opening = null));
  }

  #onOpen(connection: Connection): void {
    this.#connection = connection;
    connection.closed.then((reason) => this.#onDrop(connection, reason));
    if (this.#status === "closing") return; // #shutdown closes it
    this.#status = "ready";
    this.#failures = 0;
    this.#lastError = undefined;
    clearTimeout(this.#offlineTimer);
    this.#offlineTimer = undefined;
    this.#emit({ type: "connect", address: this.address });
    this.#flush();
    this.#updateRef();
  }

  #onOpenFailed(error: Error, firstAttempt: boolean): void {
    this.#lastError = error;
    if (this.#status === "closing") return;
    if (firstAttempt || !this.#config.reconnect) {
      this.#status = "idle";
      this.#failWaiting(() => error);
      this.#updateRef();
    } else {
      this.#scheduleReconnect(error);
    }
  }

  #onDrop(connection: Connection, reason: Error): void {
    if (this.#connection !== connection) return;
    this.#connection = null;
    if (this.#status !== "ready") return;
    this.#lastError = reason;
    this.#emit({ type: "disconnect", address: this.address, error: reason });
    // Commands sent while ready but not yet written start waiting now.
    const now = performance.now();
    for (const command of this.#waiting) if (command.queuedAt === 0) command.queuedAt = now;
    if (this.#config.reconnect) {
      this.#scheduleReconnect(reason);
    } else {
      this.#status = "idle";
      if (this.#waiting.length > 0) this.#open();
    }
  }

  #scheduleReconnect(error: Error): void {
    this.#status = "reconnecting";
    this.#failures++;
    const { minReconnectDelay, maxReconnectDelay } = this.#config;
    const ceiling = Math.min(maxReconnectDelay, minReconnectDelay * 2 ** (this.#failures - 1));
    // Half fixed, half random, so clients dropped together do not return in step.
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    this.#emit({
      type: "reconnecting",
      address: this.address,
      attempt: this.#failures,
      delay,
      error,
    });
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      this.#open();
    }, delay);
    this.#armOfflineTimer();
    this.#updateRef();
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const connection = this.#connection;
    // A socket that died keeps its commands here until its close event
    // starts the reconnect: they were never sent, so they wait for the next
    // connection, as the commands of a client that is reconnecting do.
    if (!connection || !connection.writable || this.#waiting.length === 0) return;
    connection.write(this.#waiting.drain(), this.#buffer.take());
  }

  #onIdle(): void {
    this.#drained?.();
    this.#drained = undefined;
    // Checked after the callers' continuations, which often send the next
    // command: a ping-pong caller then never flips the socket's ref.
    queueMicrotask(() => this.#updateRef());
  }

  // Commands waiting for a connection fail once they have waited
  // offlineTimeout; they queue in order, so the expired ones are a prefix.
  #armOfflineTimer(): void {
    const oldest = this.#waiting.peek();
    if (this.#offlineTimer !== undefined || oldest === undefined || this.#status === "ready") {
      return;
    }
    const delay = oldest.queuedAt + this.#config.offlineTimeout - performance.now();
    this.#offlineTimer = setTimeout(() => this.#expireWaiting(), Math.max(0, delay));
  }

  #expireWaiting(): void {
    this.#offlineTimer = undefined;
    if (this.#status === "ready") return;
    const { offlineTimeout } = this.#config;
    const cutoff = performance.now() - offlineTimeout + 1; // +1: timers round to whole ms
    const last = this.#lastError
      ? `last error: ${describeError(this.#lastError)}`
      : "still connecting";
    for (
      let oldest = this.#waiting.peek();
      oldest && oldest.queuedAt <= cutoff;
      oldest = this.#waiting.peek()
    ) {
      this.#waiting.shift();
      this.#buffer.discardThrough(oldest.end);
      oldest.reject(this.#notSent(`no connection for ${offlineTimeout} ms (${last})`));
    }
    this.#armOfflineTimer();
    this.#updateRef();
  }

  #failWaiting(error: () => Error): void {
    this.#buffer.clear();
    for (let command = this.#waiting.shift(); command; command = this.#waiting.shift()) {
      command.reject(error());
    }
    // Nothing left to expire; a live timer would hold the process for nothing.
    clearTimeout(this.#offlineTimer);
    this.#offlineTimer = undefined;
  }

  #notSent(reason: string): RedisConnectionError {
    return new RedisConnectionError(`Cannot send command to Redis at ${this.address}: ${reason}`, {
      sent: false,
      cause: this.#lastError,
    });
  }

  #updateRef(): void {
    const busy = this.#waiting.length > 0 || (this.#connection?.inflight ?? 0) > 0;
    const hold = this.#holdProcess || busy;
    this.#connection?.setRef(hold);
    if (hold) this.#backoffTimer?.ref();
    else this.#backoffTimer?.unref();
  }

  #emit(event: RedisClientEvent): void {
    const onEvent = this.#config.onEvent;
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch (error) {
      // A throwing listener is a bug to surface, but not inside our socket
      // handlers, where it would leave the client half-updated.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
