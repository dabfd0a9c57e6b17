// What a worker node's trip to its local pool costs when the pool's worker
// has been idle, as it is between the tasks of a sequential caller: the
// node's own call (in_pool.run, as _redis/local_run.ts submits it) one at a
// time, back to back, then after a gap of idle time (a timer: this process
// sleeps too) or of busy time (a spin: this process stays on its core).
//
//   deno run -A bench/pool_idle_probe.ts [process|thread] [--tasks N]
//   bun bench/pool_idle_probe.ts [same]
//
// p50 of submit → result, in µs. Back to back is the pool's own latency row;
// after a gap, the worker (and the core it ran on) has gone to sleep.

import process from "node:process";
import { setTimeout } from "node:timers";
import { fromModule } from "../_future/tasks.ts";
import { encodeValue } from "../_redis/values.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";

type InPool = typeof import("../_redis/in_pool.ts");
const IN_POOL = fromModule<InPool>(new URL("../_redis/in_pool.ts", import.meta.url));
const argv = process.argv.slice(2);
const kind = argv[0] === "thread" ? "thread" : "process";
const TASKS = argv.includes("--tasks") ? Number(argv[argv.indexOf("--tasks") + 1]) : 300;
const ARGS = new TextDecoder().decode(encodeValue([1]));
const SPEC = { kind: "source" as const, source: "(x) => x + 1" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pool = kind === "thread"
  ? new ThreadPoolExecutor({ maxWorkers: 1 })
  : new ProcessPoolExecutor({ maxWorkers: 1 });
try {
  for (let i = 0; i < 50; i++) await pool.submit(IN_POOL.run, SPEC, 0, ARGS, 0, 1).result();
  const row: string[] = [];
  for (const [gap, how] of [[0, "back to back"], [1, "sleep"], [1, "spin"]] as const) {
    const latencies: number[] = [];
    for (let i = 0; i < TASKS; i++) {
      if (how === "sleep") await sleep(gap);
      if (how === "spin") {
        for (const until = performance.now() + gap; performance.now() < until;);
      }
      const start = performance.now();
      await pool.submit(IN_POOL.run, SPEC, 0, ARGS, 0, 1).result();
      latencies.push(performance.now() - start);
    }
    row.push(`${how}${gap ? ` ${gap} ms` : ""}: ${(median(latencies) * 1000).toFixed(0)} µs`);
  }
  console.log(`${kind} pool, in_pool.run p50: ${row.join(", ")}`);
} finally {
  await pool.shutdown();
}
