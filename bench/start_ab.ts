// A process child's start and memory against other versions of this
// package, in one process, alternating rounds: for trying changes to how a
// child starts (bench/child_thread_probe.ts measures the variants alone).
//
//   git archive <commit> | tar -x -C /tmp/base   (one folder per version)
//   deno run -A bench/start_ab.ts /tmp/base [more folders] [--rounds N]
//   bun bench/start_ab.ts /tmp/base [more folders] [--rounds N]
//
// Start: a new ProcessPoolExecutor, one trivial task's result, shutdown
// (as bench/run.ts's startup row). Memory: the RSS of 4 children after one
// task each (bench/_memory.ts run from each folder); this folder is "here".
// Beside them, in the same rounds, the floor: a raw child that starts one
// idle thread ("raw + a thread", one child, as ours starts one for one task).

import { execFileSync } from "node:child_process";
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../process.ts";
import { RawProcessPool } from "./_raw_process_pool.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const folders = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--rounds");
const versions: [string, string, typeof here][] = [[
  "here",
  new URL("..", import.meta.url).pathname,
  here,
]];
for (const folder of folders) {
  const url = pathToFileURL(resolve(folder, "process.ts")).href;
  versions.push([folder, resolve(folder), await import(url) as typeof here]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function start(module: typeof here): Promise<number> {
  const begin = performance.now();
  const executor = new module.ProcessPoolExecutor({ maxWorkers: 2 });
  await executor.submit((x: number) => x + 1, 1).result();
  await executor.shutdown();
  return performance.now() - begin;
}

async function rawStart(): Promise<number> {
  const begin = performance.now();
  const pool = new RawProcessPool(1, { thread: true });
  await pool.call(0, 1);
  await pool.close();
  return performance.now() - begin;
}

function memory(folder: string, who = "ours"): number {
  const script = resolve(folder, "bench/_memory.ts");
  const args = runtime === "deno" ? ["run", "-A", script] : [script];
  const out = execFileSync(process.execPath, [...args, "processes", who, "4"], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1)!).perWorker / 2 ** 20;
}

const FLOOR = "raw + a thread";
const samples = new Map(
  [...versions.map(([name]) => name), FLOOR].map((
    name,
  ) => [name, { start: [] as number[], mib: [] as number[] }]),
);
for (const [, , module] of versions) await start(module);
await rawStart();
for (let round = 0; round < rounds; round++) {
  const order = round % 2 ? [...versions].reverse() : versions;
  samples.get(FLOOR)!.start.push(await rawStart());
  if (round < 3) samples.get(FLOOR)!.mib.push(memory(versions[0]![1], "raw-thread"));
  for (const [name, folder, module] of order) {
    samples.get(name)!.start.push(await start(module));
    if (round < 3) samples.get(name)!.mib.push(memory(folder));
  }
}
console.log(`${runtime}, ${rounds} rounds (memory: 3), medians:`);
for (const [name, s] of samples) {
  console.log(
    `${name}: start ${median(s.start).toFixed(1)} ms, memory ${median(s.mib).toFixed(1)} MiB/child`,
  );
}
