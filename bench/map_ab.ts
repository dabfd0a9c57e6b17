// map with chunksize against another version of this package, in one
// process: bench/run.ts's map row (200,000 items of x + 1, chunks of 1000)
// for a raw pool, the other version and this one, alternating rounds.
//
//   git archive <commit> | tar -x -C /tmp/base
//   deno run -A bench/map_ab.ts /tmp/base threads|processes [--rounds N]
//   bun bench/map_ab.ts /tmp/base threads|processes [--rounds N]

import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../mod.ts";
import { type Contender, ours, raw, RawProcessPool, RawThreadPool } from "./_contenders.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
if (!argv[0] || !["threads", "processes"].includes(argv[1] ?? "")) {
  throw new TypeError(
    "Usage: map_ab.ts <folder of the other version> threads|processes [--rounds N]",
  );
}
const kind = argv[1] as "threads" | "processes";
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const base = await import(pathToFileURL(resolve(argv[0], "mod.ts")).href) as typeof here;
const ITEMS = 200_000, CHUNK = 1000;

const pool = kind === "threads" ? "ThreadPoolExecutor" : "ProcessPoolExecutor";
const sides: Record<"raw" | "base" | "here", Contender> = {
  raw: raw(kind === "threads" ? new RawThreadPool(2) : new RawProcessPool(2)),
  base: ours(new base[pool]({ maxWorkers: 2 })),
  here: ours(new here[pool]({ maxWorkers: 2, maxQueue: Infinity })),
};
for (const side of Object.values(sides)) {
  await side.tiny(200);
  await side.map(ITEMS, CHUNK);
}
const samples = { raw: [] as number[], base: [] as number[], here: [] as number[] };
const orders = [["raw", "base", "here"], ["here", "raw", "base"], ["base", "here", "raw"]] as const;
for (let round = 0; round < rounds; round++) {
  for (const side of orders[round % 3]!) {
    const start = performance.now();
    await sides[side].map(ITEMS, CHUNK);
    samples[side].push(performance.now() - start);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = { raw: median(samples.raw), base: median(samples.base), here: median(samples.here) };
console.log(
  `${runtime} ${kind} map (ms): raw ${ms.raw.toFixed(1)}, base ${ms.base.toFixed(1)} (${
    (ms.raw / ms.base).toFixed(2)
  } of raw), here ${ms.here.toFixed(1)} (${(ms.raw / ms.here).toFixed(2)} of raw)`,
);
for (const side of Object.values(sides)) await side.close();
