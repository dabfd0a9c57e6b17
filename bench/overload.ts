// The overload row: a producer submits 5 ms tasks at 5× what the pool can
// run, for N seconds, while a real server (Deno.serve, Bun.serve) answers
// /health from executor.stats(), polled all along. The same run is made with
// a server's maxQueue of 1024 per worker (refused tasks count as 503s) and with
// maxQueue: Infinity (the behaviour before maxQueue existed) as the baseline.
// Printed: RSS and queue at the end and at their highest, tasks accepted and
// refused, the throughput, the latency of accepted tasks against the bound
// maxQueue / throughput, and the /health latency.
//
//   deno run -A --v8-flags=--expose-gc bench/overload.ts [--seconds N] [--long] [--kind threads|processes]
//   bun bench/overload.ts [same flags]
//
// --long runs 30 s each (the figure); the default is 5 s. RSS lags
// behind what is live (a heap grows until the collector runs), so each
// second's sample also collects garbage first where it can (Bun.gc, or
// gc() under --expose-gc) and reports the heap in use.

import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { QueueFullError } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { type PoolExecutor, ThreadPoolExecutor } from "../thread.ts";
import { serve } from "../tests/_serve.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const flag = (name: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const SECONDS = argv.includes("--long") ? 30 : Number(flag("--seconds") ?? 5);
const KIND = flag("--kind") ?? "threads";
const WORKERS = 2;
const TASK_MS = 5;
const CAPACITY = WORKERS * 1000 / TASK_MS; // tasks per second
const OVERLOAD = 5;
const TICK_MS = 10; // the producer submits a batch every tick
const HEALTH_EVERY_MS = 20;

// A task that holds its worker for `ms` without burning a core.
const nap = (ms: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const collectGarbage = () => {
  const globals = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (globals.Bun) globals.Bun.gc(true);
  else globals.gc?.();
};

interface Outcome {
  maxQueue: number;
  accepted: number;
  refused: number;
  completed: number;
  throughput: number;
  latency: number[];
  health: number[];
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  queuedMax: number;
  queuedEnd: number;
  /** Each second: RSS and heap in use (bytes), queued, completed so far. */
  samples: { rss: number; heap: number; queued: number; completed: number }[];
}

function make(maxQueue: number | undefined): PoolExecutor {
  const options = { maxWorkers: WORKERS, minWorkers: WORKERS, maxQueue };
  return KIND === "processes" ? new ProcessPoolExecutor(options) : new ThreadPoolExecutor(options);
}

async function run(maxQueue: number | undefined): Promise<Outcome> {
  const executor = make(maxQueue);
  await Promise.all([0, 1].map(() => executor.submit(nap, 1).result())); // warm
  const server = await serve(() => Promise.resolve(Response.json(executor.stats())));
  const out: Outcome = {
    maxQueue: maxQueue ?? 0,
    accepted: 0,
    refused: 0,
    completed: 0,
    throughput: 0,
    latency: [],
    health: [],
    rssStart: process.memoryUsage().rss,
    rssMax: 0,
    rssEnd: 0,
    queuedMax: 0,
    queuedEnd: 0,
    samples: [],
  };
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const produce = async () => {
    const perTick = CAPACITY * OVERLOAD * TICK_MS / 1000;
    for (let tick = 1; performance.now() < end; tick++) {
      for (let i = 0; i < perTick; i++) {
        try {
          const submitted = performance.now();
          const future = executor.submit(nap, TASK_MS);
          out.accepted++;
          future.addDoneCallback((done) => {
            if (done.cancelled()) return; // by the shutdown at the end
            out.completed++;
            out.latency.push(performance.now() - submitted);
          });
        } catch (error) {
          if (!(error instanceof QueueFullError)) throw error;
          out.refused++; // a server answers 503 here
        }
      }
      // On schedule: a late tick catches up, as arriving requests would.
      await sleep(Math.max(0, start + tick * TICK_MS - performance.now()));
    }
  };
  const poll = async () => {
    while (performance.now() < end) {
      const asked = performance.now();
      await (await fetch(`${server.url}/health`)).json();
      out.health.push(performance.now() - asked);
      const rss = process.memoryUsage().rss;
      out.rssMax = Math.max(out.rssMax, rss);
      out.queuedMax = Math.max(out.queuedMax, executor.stats().tasks.queued);
      await sleep(HEALTH_EVERY_MS);
    }
  };
  const sample = setInterval(() => {
    collectGarbage();
    const { rss, heapUsed: heap } = process.memoryUsage();
    const queued = executor.stats().tasks.queued;
    out.samples.push({ rss, heap, queued, completed: out.completed });
  }, 1000);
  await Promise.all([produce(), poll()]);
  clearInterval(sample);
  out.throughput = out.completed / SECONDS;
  const completedInTime = out.completed;
  out.rssEnd = process.memoryUsage().rss;
  out.queuedEnd = executor.stats().tasks.queued;
  await server[Symbol.asyncDispose]();
  await executor.shutdown({ cancelFutures: true });
  out.completed = completedInTime; // not what ran after the clock stopped
  out.latency.length = Math.min(out.latency.length, completedInTime);
  return out;
}

function report(name: string, o: Outcome): void {
  // The throughput once the queue is full: over the second half of the run.
  const half = o.samples[Math.floor(o.samples.length / 2) - 1]!;
  const last = o.samples.at(-1)!;
  const steady = (last.completed - half.completed) /
    (o.samples.length - o.samples.indexOf(half) - 1);
  const bound = o.maxQueue / steady * 1000;
  console.log(`\n${name}`);
  console.log(
    `  tasks: ${o.accepted} accepted, ${o.refused} refused (503), ${o.completed} completed, ` +
      `${o.throughput.toFixed(0)}/s (capacity ${CAPACITY}/s)`,
  );
  console.log(
    `  queued (stats, with the workers' windows): max ${o.queuedMax}, at the end ${o.queuedEnd}; ` +
      `RSS MB: start ${mb(o.rssStart)}, max ${mb(o.rssMax)}, end ${mb(o.rssEnd)}`,
  );
  console.log(
    `  latency of completed tasks ms: p50 ${percentile(o.latency, 0.5).toFixed(0)}, ` +
      `p99 ${percentile(o.latency, 0.99).toFixed(0)}, max ${Math.max(...o.latency).toFixed(0)}` +
      (o.maxQueue ? ` (maxQueue / throughput of the second half: ${bound.toFixed(0)})` : ""),
  );
  const every = Math.max(1, Math.round(o.samples.length / 6));
  const series = o.samples.filter((_, i) => (i + 1) % every === 0)
    .map((x, i) => `${(i + 1) * every}s ${mb(x.rss)}/${mb(x.heap)} MB ${x.queued}`);
  console.log(`  RSS/heap in use, and queued, over time: ${series.join(", ")}`);
  console.log(
    `  /health ms: p50 ${percentile(o.health, 0.5).toFixed(1)}, p99 ${
      percentile(o.health, 0.99).toFixed(1)
    }, max ${Math.max(...o.health).toFixed(1)} (${o.health.length} requests)`,
  );
}

console.log(
  `overload: ${runtime}, ${KIND}, ${WORKERS} workers, ${TASK_MS} ms tasks, ` +
    `${OVERLOAD}× capacity for ${SECONDS} s`,
);
const SERVER_MAX_QUEUE = 1024 * WORKERS; // about 1 s of waiting for 1 ms tasks
report(`maxQueue ${SERVER_MAX_QUEUE}`, await run(SERVER_MAX_QUEUE));
report("maxQueue: Infinity (baseline: no bound)", await run(Infinity));
