// Where a process pool's tiny tasks spend CPU: the parent's main thread
// against its children (Linux: /proc). 50,000 trivial tasks on 2 children,
// three rounds. It shows what limits the processes "tiny" row: the parent
// decodes and settles one frame per result (results are never held), and
// is the busy side.
//
//   deno run -A bench/cpu_split_probe.ts
//   bun bench/cpu_split_probe.ts

import process from "node:process";
import { readFileSync } from "node:fs";
import { ProcessPoolExecutor } from "../process.ts";

const TASKS = 50_000;
// 50,000 tasks submitted at once: no queue bound.
const executor = new ProcessPoolExecutor({ maxWorkers: 2, maxQueue: Infinity });
const pids = [
  ...new Set(await Promise.all([0, 1].map(() => executor.submit(() => process.pid).result()))),
];
// utime + stime of a process, in ms (clock ticks of 10 ms).
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
for (let round = 0; round < 3; round++) {
  const childrenBefore = pids.map(cpuMs);
  const parentBefore = process.cpuUsage();
  const start = performance.now();
  const futures = [];
  for (let i = 0; i < TASKS; i++) futures.push(executor.submit((x: number) => x + 1, i));
  for (const future of futures) await future.result();
  const wall = performance.now() - start;
  const parent = process.cpuUsage(parentBefore);
  const children = pids.map((pid, i) => cpuMs(pid) - childrenBefore[i]!);
  console.log(
    `${TASKS} tasks in ${wall.toFixed(0)} ms (${(TASKS / wall * 1000).toFixed(0)}/s): parent CPU ${
      ((parent.user + parent.system) / 1000).toFixed(0)
    } ms, children ${children.join(" and ")} ms`,
  );
}
await executor.shutdown();
process.exit(0);
