// scratch
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { fromModule } from "../_future/tasks.ts";
import process from "node:process";
import { encodeValue } from "../_redis/values.ts";
const ARGS = new TextDecoder().decode(encodeValue([1]));
type InPool = typeof import("../_redis/in_pool.ts");
const IN_POOL = fromModule<InPool>(new URL("../_redis/in_pool.ts", import.meta.url));
const T = fromModule<typeof import("../tests/fixtures/tasks.ts")>(
  new URL("../tests/fixtures/tasks.ts", import.meta.url),
);
const pool = process.argv[2] === "thread"
  ? new ThreadPoolExecutor({ maxWorkers: 1 })
  : new ProcessPoolExecutor({ maxWorkers: 1 });
const spec = { kind: "source" as const, source: "(x)=>x+1" };
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const inc = (x: number) => x + 1;
const kinds: [string, () => Promise<unknown>][] = [
  ["in_pool.run", () => pool.submit(IN_POOL.run, spec, 0, ARGS, 0, 1).result()],
  ["inline inc", () => pool.submit(inc, 1).result()],
  ["module add", () => pool.submit(T.add, 1, 2).result()],
  ["module later (async)", () => pool.submit(T.later, 1).result()],
  ["inline async", () => pool.submit(async (x: number) => x + 1, 1).result()],
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (const gap of [0, 0.3, 0.6, 1, 2]) {
  for (const mode of ["spin", "sleep"]) {
    if (gap === 0 && mode === "sleep") continue;
    const lat: number[] = [];
    for (let i = 0; i < 300; i++) {
      if (mode === "spin") {
        const until = performance.now() + gap;
        while (performance.now() < until);
      } else await sleep(gap);
      const t = performance.now();
      await kinds[0]![1]();
      lat.push(performance.now() - t);
    }
    console.log(`gap ${gap} ms ${mode}: in_pool.run p50 ${(med(lat) * 1000).toFixed(0)} µs`);
  }
}
await pool.shutdown();
