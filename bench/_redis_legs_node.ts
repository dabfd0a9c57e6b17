// A worker node for bench/redis_legs.ts: redis_worker.ts's node with the
// trace (bench/_redis_trace.ts) patched in. It prints one line once it
// serves; on SIGTERM it drains, writes its events as JSON to <out>, exits.
//
//   deno run -A bench/_redis_legs_node.ts <url> <queue> <process|thread> <out>

import { writeFileSync } from "node:fs";
import process from "node:process";
import { events } from "./_redis_trace.ts";
import { checkWorkerOptions } from "../_redis/options.ts";
import { RedisWorker } from "../_redis/worker.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";

const [url, queue, pool, out] = process.argv.slice(2) as [string, string, string, string];
const executor = pool === "thread"
  ? new ThreadPoolExecutor({ maxWorkers: 1 })
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
