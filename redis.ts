// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * Beyond one machine: an `Executor` over Redis streams, and the
 * worker nodes that run its tasks.
 *
 * Start workers where the work should run (`serveWorker`, or the runnable
 * `redis_worker.ts` module), then submit from anywhere that reaches the same
 * Redis (≥ 7, or Valkey):
 *
 * ```sh
 * deno run -A jsr:@concurrent/futures/redis-worker --url redis://localhost:6379 \
 *   --queue jobs --allow https://jsr.io/@me/tasks/
 * ```
 *
 * ```ts ignore
 * import { RedisExecutor } from "@concurrent/futures/redis";
 * import { fromModule } from "@concurrent/futures";
 *
 * const tasks = fromModule<typeof import("jsr:@me/tasks")>("https://jsr.io/@me/tasks/1.0.0/mod.ts");
 * await using executor = new RedisExecutor({ url: "redis://localhost:6379", queue: "jobs" });
 * console.log(await executor.submit(tasks.fib, 30).result());
 * ```
 *
 * Whoever can write to a queue can run code on its workers: see
 * {@linkcode serveWorker} for ACL users, TLS and `allow` prefixes.
 *
 * No dependency: the package speaks RESP over `node:net`/`node:tls` itself.
 *
 * @module
 */

export { RedisExecutor, type RedisExecutorOptions } from "./_redis/executor.ts";
export { serveWorker } from "./_redis/serve.ts";
export type { RedisConnectionOptions, ServeWorkerOptions } from "./_redis/options.ts";
export type { RedisTlsOptions } from "./_redis/config.ts";
export { TaskLostError, TaskRefusedError, WorkerLostError } from "./_redis/outcomes.ts";
export { RedisConnectionError, RedisError } from "./_redis/errors.ts";
export { EvictionPolicyError } from "./_redis/memory.ts";
export { WorkerNameError } from "./_redis/lease.ts";
export type { RedisExecutorEventMap } from "./_redis/node_watch.ts";
export type { ListenerOptions } from "./_future/listener_options.ts";
