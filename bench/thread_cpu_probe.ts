// Where a thread pool's time per task goes, as CPU rather than wall time:
// bench/run.ts's tiny (20,000 tasks at once) and latency (2,000 sequential
// round trips) workloads on the raw thread pool, ours, and optionally
// another version of ours, alternating round by round in one process. For
// each: wall µs per task, the main thread's CPU µs per task
// (process.threadCpuUsage) and the whole process's (the workers too). On a
// loaded 2-core VM wall time swings with other work; CPU per task is what
// a change moves.
//
//   node bench/thread_cpu_probe.ts [<folder of another version>] [--rounds N]
//   deno run -A bench/thread_cpu_probe.ts [same]
//   bun bench/thread_cpu_probe.ts [same]
//
// What it showed on Node 24.21 (2-core VM shared with other work, load
// 3-5), µs per task, wall / main-thread CPU / process CPU, medians:
//
//                                          tiny                 latency
//   raw node:worker_threads pool           3.42 / 2.16 / 3.45   31.3 / 13.6 / 27.6
//   ours, the worker's port.onmessage      2.68 / 1.16 / 2.68   37.1 / 15.2 / 35.6
//   ours, the worker's port.on("message")  3.02 / 1.25 / 3.02   28.1 / 12.6 / 26.3
//
//   node bench/thread_cpu_probe.ts <a checkout of the onmessage version> --rounds 11
//
// The main thread spends about half of the raw pool's CPU on a tiny task,
// and about as much on a round trip: one postMessage each way, 7–12 µs of
// the sender's CPU each on this VM (the wake of a parked thread; the
// message's size and shape change nothing), while the ring's Atomics and an
// empty receiveMessageOnPort cost 0.02–0.04 µs. On Node a worker's
// `onmessage` built a web MessageEvent (undici's) per message, 0.3–2.7 µs
// of its CPU (_worker/thread_entry.ts now uses `on("message")`). Where
// tiny's wall time still goes: the main thread's garbage collection, about
// three times the raw pool's (`node --trace-gc`: 25 scavenges of 17 ms
// against 22 of 7.5 ms over 400,000 tasks), as each scavenge copies the
// objects of the 20,000 tasks in flight (future, job, sent record, slot
// probe).

import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../thread.ts";
import { RawThreadPool } from "./_raw_thread_pool.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const baseDir = argv[0] && !argv[0].startsWith("--") ? argv[0] : undefined;
const TINY = 20_000, LATENCY = 2000;

type Call = (x: number) => Promise<unknown>;
type Ex = InstanceType<typeof here.ThreadPoolExecutor>;
const inc = (x: number) => x + 1;
const ofExecutor = (ex: Ex): Call => (x) => ex.submit(inc, x).result();

const raw = new RawThreadPool(2);
const executors: Ex[] = [new here.ThreadPoolExecutor({ maxWorkers: 2, maxQueue: Infinity })];
const contenders: Record<string, Call> = {
  raw: (x) => raw.call(0, x),
  ours: ofExecutor(executors[0]!),
};
if (baseDir) {
  const base = await import(pathToFileURL(resolve(baseDir, "thread.ts")).href) as typeof here;
  executors.push(new base.ThreadPoolExecutor({ maxWorkers: 2 }) as unknown as Ex);
  contenders.base = ofExecutor(executors[1]!);
}

async function tiny(call: Call): Promise<void> {
  const calls = [];
  for (let i = 0; i < TINY; i++) calls.push(call(i));
  for (const c of calls) await c;
}

async function latency(call: Call): Promise<void> {
  for (let i = 0; i < LATENCY; i++) await call(i);
}

const cpu = (usage: { user: number; system: number }) => usage.user + usage.system;
const threadCpu = () =>
  cpu(
    (process as unknown as { threadCpuUsage(): { user: number; system: number } }).threadCpuUsage(),
  );
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const samples = new Map<string, number[]>();
const add = (key: string, value: number) => samples.set(key, [...samples.get(key) ?? [], value]);
for (const call of Object.values(contenders)) await tiny(call); // warm up
for (let round = 0; round < rounds; round++) {
  const order = Object.keys(contenders);
  if (round % 2) order.reverse();
  for (const who of order) {
    for (
      const [workload, run, n] of [["tiny", tiny, TINY], ["latency", latency, LATENCY]] as const
    ) {
      const main = threadCpu(), all = cpu(process.cpuUsage()), start = performance.now();
      await run(contenders[who]!);
      add(`${workload} ${who} wall`, (performance.now() - start) * 1000 / n);
      add(`${workload} ${who} main`, (threadCpu() - main) / n);
      add(`${workload} ${who} all`, (cpu(process.cpuUsage()) - all) / n);
    }
  }
}
console.log(
  `${runtime}, ${rounds} rounds, medians, µs per task: wall / main-thread CPU / process CPU`,
);
for (const workload of ["tiny", "latency"]) {
  for (const who of Object.keys(contenders)) {
    const [wall, main, all] = ["wall", "main", "all"].map((m) =>
      median(samples.get(`${workload} ${who} ${m}`)!).toFixed(2)
    );
    console.log(`${workload.padEnd(8)} ${who.padEnd(5)} ${wall} / ${main} / ${all}`);
  }
}
await raw.close();
for (const ex of executors) await ex.shutdown();
