// A worker node for bench/redis_legs.ts: redis_worker.ts's node with the
// trace (bench/_redis_trace.ts) patched in. It prints one line once it
// serves; on SIGTERM it drains, writes its events as JSON to <out>, exits.
//
//   deno run -A bench/_redis_legs_node.ts <url> <queue> <process|thread|inline> <out>
//
// "inline" is a measurement only, never a way to run a node: the tasks run
// in the node's own thread (InThread below, with a pool worker's loader),
// which no real node does (it never evaluates code from the queue). It
// shows what a task costs when one process claims, runs and finishes it,
// with no trip to a pool.

import { writeFileSync } from "node:fs";
import process from "node:process";
import { events } from "./_redis_trace.ts";
import { checkWorkerOptions } from "../_redis/options.ts";
import { RedisWorker } from "../_redis/worker.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { Executor, Future, type Task } from "../future.ts";
import { isModuleTask } from "../_future/tasks.ts";
import { type Fn, offerWorkerLoader } from "../_wire/worker_loader.ts";

// Runs module tasks in this thread, each module's function imported once.
class InThread extends Executor {
  readonly #fns = new Map<string, Promise<Fn>>();
  readonly #importExport: (module: string, name: string) => Promise<Fn>;

  constructor(importExport: (module: string, name: string) => Promise<Fn>) {
    super();
    this.#importExport = importExport;
  }

  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
    const future = new Future<Awaited<R>>();
    if (!isModuleTask(fn)) throw new TypeError("InThread runs module tasks only");
    const key = `${fn.module}#${fn.name}`;
    let loaded = this.#fns.get(key);
    if (loaded === undefined) this.#fns.set(key, loaded = this.#importExport(fn.module, fn.name));
    loaded.then((f) => f(...args)).then(
      (value) => future.setResult(value as Awaited<R>),
      (error) => future.setException(error),
    );
    return future;
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const [url, queue, pool, out] = process.argv.slice(2) as [string, string, string, string];
// A pool worker's loader, for in_pool.run in this thread (inline only).
const loader = pool === "inline" ? await import("../_worker/load.ts") : undefined;
if (loader) offerWorkerLoader({ compile: loader.compile, importExport: loader.importExport });
const executor = pool === "thread"
  ? new ThreadPoolExecutor({ maxWorkers: 1 })
  : pool === "inline"
  ? new InThread(loader!.importExport)
  : new ProcessPoolExecutor({ maxWorkers: 1 });
const stop = new AbortController();
const worker = new RedisWorker(checkWorkerOptions({
  url,
  queue,
  executor,
  allowInline: true,
  concurrency: 1,
  signal: stop.signal,
}));
process.on("SIGTERM", () => stop.abort());
worker.ready.then(() => console.log("ready"));
try {
  await worker.run();
} finally {
  await executor.shutdown();
  writeFileSync(out, JSON.stringify(events));
}
