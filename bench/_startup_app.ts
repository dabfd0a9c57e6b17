// Child of bench/installed_startup.ts: the time from a fresh one-worker pool
// to its first result and shutdown (as bench/run.ts's "startup" row), for
// each pool, with the package imported as the install under test has it (the
// import below is replaced). Prints one JSON line of medians in ms.
import process from "node:process";
import { ProcessPoolExecutor, ThreadPoolExecutor } from "../mod.ts";

const rounds = Number(process.argv.at(-1)) || 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const report: Record<string, number> = {};
for (
  const [kind, Pool] of [["thread", ThreadPoolExecutor], ["process", ProcessPoolExecutor]] as const
) {
  const samples: number[] = [];
  // One more round than counted: the first loads and compiles the package.
  for (let round = 0; round <= rounds; round++) {
    const start = performance.now();
    const executor = new Pool({ maxWorkers: 1 });
    await executor.submit((x: number) => x + 1, 1).result();
    await executor.shutdown();
    if (round > 0) samples.push(performance.now() - start);
  }
  report[kind] = median(samples);
}
console.log(JSON.stringify(report));
