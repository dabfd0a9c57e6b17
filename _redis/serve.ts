// Copyright 2026 the @concurrent/futures authors. MIT license.
// serveWorker: the public entry to a worker node (worker.ts).

import { checkWorkerOptions, type ServeWorkerOptions } from "./options.ts";
import { RedisWorker } from "./worker.ts";

/**
 * Serves a queue: claims its tasks from Redis and runs them in `executor`,
 * a local pool, until `signal` aborts; then takes no new task, finishes and
 * delivers the running ones, and resolves.
 *
 * Security: whoever can write to the queue can have this worker run the
 * tasks it allows. Give workers and executors their own ACL users, use TLS
 * (`rediss://`) across machines, keep `allow` to the prefixes you publish,
 * and leave `allowInline` off unless every writer is trusted.
 *
 * @param options The queue, where Redis is, the local executor and what it may run.
 * @returns A promise that resolves once the worker has stopped and drained.
 * @throws {TypeError} (as a rejection) For a missing queue or executor, or
 * an option of the wrong type.
 * @throws {RangeError} (as a rejection) For a lease or concurrency out of range.
 * @throws {RedisConnectionError} (as a rejection) If Redis cannot be reached
 * or refuses the login at the start.
 * @throws {BrokenExecutor} (as a rejection) If the local executor broke
 * (its initializer threw, or a worker died outside a task).
 *
 * @example Serve until SIGTERM or Ctrl-C
 * ```ts ignore
 * import { serveWorker } from "@concurrent/futures/redis";
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 * import process from "node:process";
 *
 * await using executor = new ProcessPoolExecutor();
 * const stop = new AbortController();
 * process.once("SIGTERM", () => stop.abort());
 * process.once("SIGINT", () => stop.abort());
 * await serveWorker({
 *   url: "redis://localhost:6379",
 *   queue: "jobs",
 *   executor,
 *   allow: ["https://jsr.io/@me/tasks/"],
 *   signal: stop.signal,
 * });
 * ```
 */
export function serveWorker(options: ServeWorkerOptions): Promise<void> {
  try {
    return new RedisWorker(checkWorkerOptions(options)).run();
  } catch (error) {
    return Promise.reject(error);
  }
}
