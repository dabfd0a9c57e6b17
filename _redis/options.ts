// Copyright 2026 the @concurrent/futures authors. MIT license.
// The options of RedisExecutor and serveWorker, and their checks.

import type { Executor } from "../_future/executor.ts";
import { checkBoolean, checkOptions, describe, MAX_TIMER_MS } from "../_future/validate.ts";
import { type AllowRule, parseAllowRule } from "./allow.ts";
import type { RedisClientOptions, RedisTlsOptions } from "./config.ts";
import { checkQueueName, isName } from "./layout.ts";

/**
 * Where and how to reach Redis: a URL, or its parts. Explicit fields win over
 * the URL. Redis ≥ 7 or Valkey.
 *
 * @example A password from the environment, TLS with a private CA
 * ```ts
 * import type { RedisConnectionOptions } from "@concurrent/futures/redis";
 *
 * const connection: RedisConnectionOptions = {
 *   url: "rediss://worker@redis.internal:6380/0",
 *   password: "secret",
 *   tls: { ca: "-----BEGIN CERTIFICATE-----\n…" },
 * };
 * ```
 */
export interface RedisConnectionOptions {
  /**
   * `redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS, or
   * `unix:///path/to/redis.sock[?db=N&username=U&password=P]`.
   * @default {"redis://localhost:6379/0"}
   */
  url?: string | undefined;
  /** The host name or IP address. @default {"localhost"} */
  host?: string | undefined;
  /** The TCP port. @default {6379} */
  port?: number | undefined;
  /** A unix socket path; when set, `host` and `port` are ignored. @default {undefined} */
  path?: string | undefined;
  /** Use TLS, with these options when an object. @default {false; true for rediss://} */
  tls?: boolean | RedisTlsOptions | undefined;
  /** The ACL user; needs `password`. @default {"default"} */
  username?: string | undefined;
  /** The password (`AUTH`); with `username`, an ACL login. @default {undefined} */
  password?: string | undefined;
  /** The database number to `SELECT`. @default {0} */
  db?: number | undefined;
  /** Milliseconds one connection attempt (TCP, TLS, AUTH) may take. @default {10000} */
  connectTimeout?: number | undefined;
  /**
   * Milliseconds a command waits for a lost connection to come back before
   * it fails with a `RedisConnectionError`.
   * @default {10000}
   */
  offlineTimeout?: number | undefined;
}

const CONNECTION_KEYS = [
  "url",
  "host",
  "port",
  "path",
  "tls",
  "username",
  "password",
  "db",
  "connectTimeout",
  "offlineTimeout",
] as const;

/** The connection fields of `options`, for RedisClient (which checks them). */
export function connectionOf(options: RedisConnectionOptions): RedisClientOptions {
  const out: Record<string, unknown> = {};
  for (const key of CONNECTION_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out as RedisClientOptions;
}

/** Checks an optional number of milliseconds in [min, MAX_TIMER_MS]. */
export function checkMs(
  value: unknown,
  name: string,
  action: string,
  min: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a number of milliseconds, received ${describe(value)}`,
    );
  }
  if (!(value >= min && value <= MAX_TIMER_MS)) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, received ${value}`,
    );
  }
  return value;
}

/** Checks an optional non-negative integer. */
export function checkCount(
  value: unknown,
  name: string,
  action: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a non-negative integer, received ${describe(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a non-negative integer, received ${value}`,
    );
  }
  return value;
}

/**
 * Options of a worker node; see `serveWorker`.
 *
 * @example A node that runs the tasks of one published package on threads
 * ```ts
 * import type { ServeWorkerOptions } from "@concurrent/futures/redis";
 * import { ThreadPoolExecutor } from "@concurrent/futures/thread";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const options: ServeWorkerOptions = {
 *   url: "redis://localhost:6379",
 *   queue: "images",
 *   executor,
 *   concurrency: 4,
 *   allow: ["https://jsr.io/@me/image-tasks/1.2.3/"],
 * };
 * ```
 */
export interface ServeWorkerOptions extends RedisConnectionOptions {
  /** The queue to serve: the same name the executors use. */
  queue: string;
  /**
   * The local executor that runs the tasks, usually a
   * `ProcessPoolExecutor` or `ThreadPoolExecutor`. The worker does not shut
   * it down: its owner does, after the worker has stopped.
   */
  executor: Executor;
  /**
   * Module URL prefixes this worker may import tasks from:
   * `"https://jsr.io/@me/"`, `"jsr:@me/"`, `"npm:my-tasks@1.2.3"`,
   * `"file:///srv/app/tasks/"`. A prefix matches whole path segments
   * (`…/tasks` does not allow `…/tasks-old/`); `file:` paths are compared
   * once decoded and resolved through symlinks; a URL with an encoded
   * separator, a backslash, NUL or a dot segment is refused; `npm:` and
   * `jsr:` specifiers compare as name, version and path. A task from any
   * other module is refused unimported, with `TaskRefusedError`.
   * @default {[]} (no module tasks)
   */
  allow?: readonly string[] | undefined;
  /**
   * Whether to run inline functions (sent as source text). Whoever can
   * write to the queue can then run any code here.
   * @default {false}
   */
  allowInline?: boolean | undefined;
  /**
   * How many tasks run at once: match the local executor's `maxWorkers`.
   * Quick tasks are taken from the queue in larger batches than this.
   * @default {navigator.hardwareConcurrency}
   */
  concurrency?: number | undefined;
  /**
   * Milliseconds without a heartbeat after which this worker counts as
   * lost and its tasks are failed (or retried) by the others. It heartbeats
   * every third of that.
   * @default {10000}
   */
  lease?: number | undefined;
  /** The worker's name in the consumer group. @default {`${hostname}-${pid}-${random}`} */
  name?: string | undefined;
  /**
   * Aborting it stops the worker: it takes no new tasks, finishes the ones
   * it runs, delivers their results, and then the promise resolves.
   * @default {undefined}
   */
  signal?: AbortSignal | undefined;
}

/** Worker options once checked. */
export interface WorkerConfig {
  readonly connection: RedisClientOptions;
  readonly queue: string;
  readonly executor: Executor;
  readonly allow: readonly string[];
  readonly allowInline: boolean;
  readonly concurrency: number;
  readonly lease: number;
  readonly name: string | undefined;
  readonly signal: AbortSignal | undefined;
}

const WORKER = "serve worker";

/**
 * Checks the options of `serveWorker`.
 *
 * @throws {TypeError} For a missing queue or executor, or an option of the wrong type.
 * @throws {RangeError} For a lease or concurrency out of range.
 */
export function checkWorkerOptions(options: ServeWorkerOptions): WorkerConfig {
  const o = checkOptions(options, WORKER);
  const executor = o.executor as unknown;
  if (
    typeof executor !== "object" || executor === null ||
    typeof (executor as Executor).submit !== "function"
  ) {
    throw new TypeError(
      `Cannot ${WORKER}: executor must be an Executor such as new ProcessPoolExecutor(), received ${
        describe(executor)
      }`,
    );
  }
  const allow = o.allow ?? [];
  if (!Array.isArray(allow) || allow.some((p) => typeof p !== "string" || p === "")) {
    throw new TypeError(
      `Cannot ${WORKER}: allow must be an array of non-empty URL prefixes, received ${
        describe(allow)
      }`,
    );
  }
  const concurrency = o.concurrency ?? navigator.hardwareConcurrency ?? 1;
  if (typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1) {
    const Err = typeof concurrency === "number" ? RangeError : TypeError;
    throw new Err(
      `Cannot ${WORKER}: concurrency must be a positive integer, received ${describe(concurrency)}`,
    );
  }
  if (o.name !== undefined && (typeof o.name !== "string" || !isName(o.name))) {
    throw new TypeError(
      `Cannot ${WORKER}: name must be a non-empty string without spaces or braces, received ${
        describe(o.name)
      }`,
    );
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${WORKER}: signal must be an AbortSignal, received ${describe(o.signal)}`,
    );
  }
  return {
    connection: connectionOf(o),
    queue: checkQueueName(o.queue, WORKER),
    executor: executor as Executor,
    allow: allow.map((prefix) => allowRule(prefix).text),
    allowInline: checkBoolean(o.allowInline, "allowInline", WORKER) ?? false,
    concurrency,
    lease: checkMs(o.lease, "lease", WORKER, 100, 10_000),
    name: o.name,
    signal: o.signal,
  };
}

// A prefix in its normalized form (`https://JSR.io/a/../b/` →
// `https://jsr.io/b/`); see allow.ts for what it allows.
function allowRule(prefix: string): AllowRule {
  try {
    return parseAllowRule(prefix);
  } catch (error) {
    throw new TypeError(`Cannot ${WORKER}: ${(error as Error).message}`);
  }
}
