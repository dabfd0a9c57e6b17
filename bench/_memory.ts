// Measures the memory one worker costs, in a fresh process so nothing else
// skews it: `_memory.ts <threads|processes> <raw|raw-thread|raw-loaded|ours>
// <workers>` (raw-thread: raw children that each start one idle thread;
// raw-loaded: raw web Workers that first evaluate the pool's worker code,
// then answer as the raw ones do: the floor of a worker that runs that code,
// Deno and Bun). Prints bytes per worker: the growth of this process's RSS
// for threads, the children's RSS for processes, and the private part of it.

import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { RawProcessPool, RawThreadPool } from "./_contenders.ts";
import { blobUrl } from "../_runtime/source_url.ts";
import { THREAD_SOURCE } from "../_runtime/thread_source.generated.ts";

const args = runtime === "deno" ? Deno.args : process.argv.slice(2);
const [kind, who, count] = [args[0], args[1], Number(args[2] ?? 4)];

function rssOf(pid: number, field = "VmRSS"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

// The same trivial work as the raw workers do, and nothing more: a task that
// touched `process` would boot Deno's Node layer in a web Worker (3.3 MiB),
// which the raw worker never does. Submitted at once, one call per worker
// starts every worker and sends each exactly one call.
const work = (x: number) => x + 1;

const before = process.memoryUsage().rss;
// The private part of it: RSS also counts pages of the runtime's own binary
// that the code run for the first time faults in (shared, and paid once per
// process, not per worker: Bun's pool code reaches 1.7 MiB more of them).
const anonBefore = kind === "threads" ? rssOf(process.pid, "RssAnon") : 0;
let pids: number[] = [];
if (who === "raw" || who === "raw-thread" || who === "raw-loaded") {
  // The raw answer replaces the handler the worker code installed.
  const loaded =
    `${THREAD_SOURCE}\nself.onmessage = ({ data: [id, , x] }) => self.postMessage([id, x + 1]);\n`;
  const pool = kind === "threads"
    ? new RawThreadPool(count, who === "raw-loaded" ? blobUrl(loaded) : undefined)
    : new RawProcessPool(count, { thread: who === "raw-thread" });
  await Promise.all(Array.from({ length: count }, (_, i) => pool.call(0, i)));
  if (pool instanceof RawProcessPool) pids = pool.pids;
  report();
  await pool.close();
} else {
  const executor = kind === "threads"
    ? new ThreadPoolExecutor({ maxWorkers: count })
    : new ProcessPoolExecutor({ maxWorkers: count });
  await Promise.all(Array.from({ length: count }, (_, i) => executor.submit(work, i).result()));
  if (kind === "processes") pids = childrenOf(process.pid);
  report();
  await executor.shutdown();
}

function childrenOf(parent: number): number[] {
  const children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8");
  return children.trim().split(/\s+/).filter(Boolean).map(Number);
}

function report(): void {
  const bytes = kind === "threads"
    ? process.memoryUsage().rss - before
    : pids.reduce((sum, pid) => sum + rssOf(pid), 0);
  const anon = kind === "threads"
    ? rssOf(process.pid, "RssAnon") - anonBefore
    : pids.reduce((sum, pid) => sum + rssOf(pid, "RssAnon"), 0);
  console.log(JSON.stringify({
    perWorker: Math.round(bytes / count),
    anonPerWorker: Math.round(anon / count),
  }));
}
