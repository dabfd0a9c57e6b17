// Per-task cost against another version of this package, in one process:
// the tiny (20,000 trivial tasks) and latency (1,000 sequential round trips)
// workloads of bench/run.ts on both pools, alternating rounds.
//
//   git archive <commit> | tar -x -C /tmp/base
//   deno run -A bench/ab_bench.ts /tmp/base [--rounds N]
//   bun bench/ab_bench.ts /tmp/base [--rounds N]

import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../mod.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
if (!argv[0]) throw new TypeError("Usage: ab_bench.ts <folder of the other version> [--rounds N]");
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 11;
const base = await import(pathToFileURL(resolve(argv[0], "mod.ts")).href) as typeof here;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
type Ex = InstanceType<typeof here.ThreadPoolExecutor>;

async function tiny(executor: Ex): Promise<number> {
  const start = performance.now();
  const futures = [];
  for (let i = 0; i < 20_000; i++) futures.push(executor.submit((x: number) => x + 1, i));
  for (const future of futures) await future.result();
  return 20_000 / ((performance.now() - start) / 1000);
}

async function latency(executor: Ex): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 1000; i++) await executor.submit((x: number) => x + 1, i).result();
  return performance.now() - start; // ms per 1000 = µs per call
}

for (const kind of ["ThreadPoolExecutor", "ProcessPoolExecutor"] as const) {
  const executors = {
    base: new base[kind]({ maxWorkers: 2 }) as unknown as Ex,
    // 20,000 tasks submitted at once: no queue bound (a base without the
    // option has none).
    here: new here[kind]({ maxWorkers: 2, maxQueue: Infinity }) as unknown as Ex,
  };
  const samples = {
    base: { tiny: [] as number[], latency: [] as number[] },
    here: { tiny: [] as number[], latency: [] as number[] },
  };
  await tiny(executors.base);
  await tiny(executors.here);
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? ["here", "base"] as const : ["base", "here"] as const) {
      samples[side].tiny.push(await tiny(executors[side]));
      samples[side].latency.push(await latency(executors[side]));
    }
  }
  const t = { base: median(samples.base.tiny), here: median(samples.here.tiny) };
  const l = { base: median(samples.base.latency), here: median(samples.here.latency) };
  console.log(
    `${kind} tiny: base ${t.base.toFixed(0)}/s, here ${t.here.toFixed(0)}/s (${
      (t.here / t.base).toFixed(2)
    }x); latency: base ${l.base.toFixed(1)} µs, here ${l.here.toFixed(1)} µs (${
      (l.here / l.base).toFixed(2)
    }x)`,
  );
  await executors.base.shutdown();
  await executors.here.shutdown();
}
