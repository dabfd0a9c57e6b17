// Measures the memory one worker costs, in a fresh process so nothing else
// skews it: `_memory.ts <threads|processes> <raw|raw-thread|ours> <workers>`
// (raw-thread: raw children that each start one idle thread). Prints
// bytes per worker: the growth of this process's RSS for threads, the
// children's RSS for processes.

import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { RawProcessPool, RawThreadPool } from "./_contenders.ts";

const args = runtime === "deno" ? Deno.args : process.argv.slice(2);
const [kind, who, count] = [args[0], args[1], Number(args[2] ?? 4)];

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

// The same trivial work as the raw workers do, and nothing more: a task that
// touched `process` would boot Deno's Node layer in a web Worker (3.3 MiB),
// which the raw worker never does. Submitted at once, one call per worker
// starts every worker and sends each exactly one call.
const work = (x: number) => x + 1;

const before = process.memoryUsage().rss;
let pids: number[] = [];
if (who === "raw" || who === "raw-thread") {
  const pool = kind === "threads"
    ? new RawThreadPool(count)
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
  console.log(JSON.stringify({ perWorker: Math.round(bytes / count) }));
}
