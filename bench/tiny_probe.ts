// The thread pool's tiny and latency rows of bench/run.ts alone, ours against
// the raw pool, alternating in one process: a fast loop for tuning how
// results come back (bench/run.ts takes a minute or more per runtime).
// With --processes, the process pool's rows against the raw process pool.
// Beside each rate, the main thread's CPU per task (process.cpuUsage(): on
// a loaded machine the rate swings, the CPU a task costs much less).
//
//   deno run -A bench/tiny_probe.ts [--processes] [--rounds N]
//   bun bench/tiny_probe.ts [--processes] [--rounds N]
//
// Ours/raw, two runs each (Deno 2.9.6 / Bun 1.4.5, 2-core VM): with a
// postMessage per result, tiny 1.25–1.78× / 0.90–1.06×, latency 1.40–1.89× /
// 1.34–1.66×; with the result ring (_wire/result_ring.ts), tiny 6.28–6.39×
// / 1.77–2.78×, latency 0.74–1.13× / 0.85–1.25×. Latency swings from run
// to run on this VM, the raw pool's too (README, "latency").

import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { ours, raw, RawProcessPool, RawThreadPool } from "./_contenders.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const processes = argv.includes("--processes");
const TINY = 20_000, LATENCY = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// Tiny submits 20,000 tasks at once: no queue bound, as in the raw pool.
const options = { maxWorkers: 2, maxQueue: Infinity };
const contenders = processes
  ? { raw: raw(new RawProcessPool(2)), ours: ours(new ProcessPoolExecutor(options)) }
  : { raw: raw(new RawThreadPool(2)), ours: ours(new ThreadPoolExecutor(options)) };
for (const c of Object.values(contenders)) await c.tiny(2000);
const samples = {
  tiny: { raw: [], ours: [] },
  latency: { raw: [], ours: [] },
  cpu: { raw: [], ours: [] },
} as Record<"tiny" | "latency" | "cpu", Record<"raw" | "ours", number[]>>;
// As bench/run.ts does: every tiny round, then every latency round.
for (let round = 0; round < rounds; round++) {
  for (const who of ["raw", "ours"] as const) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    await contenders[who].tiny(TINY);
    samples.tiny[who].push(TINY / ((performance.now() - start) / 1000));
    const { user, system } = process.cpuUsage(cpu);
    samples.cpu[who].push((user + system) * 1000 / TINY);
  }
}
for (let round = 0; round < rounds; round++) {
  for (const who of ["raw", "ours"] as const) {
    const start = performance.now();
    await contenders[who].latency(LATENCY);
    samples.latency[who].push((performance.now() - start) * 1000 / LATENCY);
  }
}
const tiny = { raw: median(samples.tiny.raw), ours: median(samples.tiny.ours) };
const latency = { raw: median(samples.latency.raw), ours: median(samples.latency.ours) };
const cpu = { raw: median(samples.cpu.raw), ours: median(samples.cpu.ours) };
console.log(
  `${runtime} ${processes ? "processes" : "threads"}, ${rounds} rounds: tiny ${
    (tiny.raw / 1000).toFixed(0)
  }k → ${(tiny.ours / 1000).toFixed(0)}k tasks/s (${
    (tiny.ours / tiny.raw).toFixed(2)
  }× raw), main thread CPU ${cpu.raw.toFixed(0)} → ${cpu.ours.toFixed(0)} ns/task; latency ${
    latency.raw.toFixed(0)
  } → ${latency.ours.toFixed(0)} µs (${(latency.ours / latency.raw).toFixed(2)}× raw)`,
);
await contenders.raw.close();
await contenders.ours.close();
