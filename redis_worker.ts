// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * A worker node you can run as it is: it serves a queue of a
 * `RedisExecutor` with a local process (or thread) pool, until SIGTERM or
 * SIGINT, then finishes what it runs and exits. A second signal exits at once.
 *
 * ```sh
 * deno run -A jsr:@concurrent/futures/redis-worker --url redis://localhost:6379 --queue jobs \
 *   --allow https://jsr.io/@me/tasks/ [--allow file:///srv/tasks/] [--allow-inline] \
 *   [--pool process|thread] [--workers 4] [--lease 10000] [--name node-1]
 * bun node_modules/@concurrent/futures/redis_worker.ts --url … --queue jobs …
 * ```
 *
 * `--url` defaults to the `REDIS_URL` environment variable (which keeps a
 * password out of the process list). Once serving it prints one line,
 * `worker <name> serving queue <queue>`, on stdout.
 *
 * Ctrl-C in a terminal signals the whole process group, the pool's child
 * processes included, which then stop at once: to drain, send the signal to
 * the node's own pid (`kill -TERM <pid>`; with systemd, `KillMode=mixed`).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import type { Executor } from "./_future/executor.ts";
import { checkWorkerOptions } from "./_redis/options.ts";
import { RedisWorker } from "./_redis/worker.ts";
import { ProcessPoolExecutor } from "./process.ts";
import { ThreadPoolExecutor } from "./thread.ts";

const USAGE = `Usage: redis_worker --queue <name> [--url redis://host:6379/0] [--allow <prefix>]...
       [--allow-inline] [--pool process|thread] [--workers <n>] [--lease <ms>] [--name <name>]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function positive(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, received ${text}`);
  return n;
}

function envUrl(): string | undefined {
  try {
    return process.env.REDIS_URL;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        url: { type: "string" },
        queue: { type: "string" },
        allow: { type: "string", multiple: true },
        "allow-inline": { type: "boolean" },
        pool: { type: "string" },
        workers: { type: "string" },
        lease: { type: "string" },
        name: { type: "string" },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.queue === undefined) fail("--queue is required");
  const pool = values.pool ?? "process";
  if (pool !== "process" && pool !== "thread") fail(`--pool must be process or thread`);
  const workers = positive(values.workers, "workers") ?? navigator.hardwareConcurrency;
  const executor: Executor = pool === "process"
    ? new ProcessPoolExecutor({ maxWorkers: workers })
    : new ThreadPoolExecutor({ maxWorkers: workers });
  const stop = new AbortController();
  let worker;
  try {
    // The Redis URL is read here too (RedisWorker's client): a bad one is
    // a usage error, with a message that never repeats its credentials.
    worker = new RedisWorker(checkWorkerOptions({
      url: values.url ?? envUrl(),
      queue: values.queue,
      executor,
      allow: values.allow ?? [],
      allowInline: values["allow-inline"] ?? false,
      concurrency: workers,
      lease: positive(values.lease, "lease"),
      name: values.name,
      signal: stop.signal,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const onSignal = (signal: string) => {
    if (stop.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    console.error(`worker ${worker.name}: ${signal}, finishing the running tasks`);
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  worker.ready.then(() => console.log(`worker ${worker.name} serving queue ${values.queue}`));
  try {
    await worker.run();
  } catch (error) {
    console.error(`worker ${worker.name}: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await executor.shutdown({ wait: true });
  }
}

if (import.meta.main) await main();
