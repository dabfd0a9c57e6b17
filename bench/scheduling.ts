// The scheduling rows of issue 12, beside baselines measured in the same run:
//
//   deno run -A bench/scheduling.ts [--rounds N]
//   bun bench/scheduling.ts [--rounds N]
//
// - mixed burst: [500, 500, 10, 10, 10, 10] ms on 2 workers, after quick
//   calls taught the pool to send tasks ahead; each task sleeps, as
//   CPython's time.sleep does, either synchronously (Atomics.wait: the
//   worker's thread is blocked) or asynchronously (a timer). Against
//   CPython's thread and process pools (bench/python_mixed.py) when python3
//   is on PATH. Target: <= 1.05x CPython's wall time.
// - result delay: one worker runs a quick task, then a 300 ms synchronous
//   one; how long after submit the quick result arrives, beside one round
//   trip of the same pool. Target: <= 1 ms + the round trip.
// - caller lag: the longest event-loop stall of this thread (1 ms interval
//   timer) while a pool of 4 workers grows from nothing (4 submits at once),
//   and with minWorkers: 4 while it is constructed. Target: <= 10 ms per
//   worker.

import { spawnSync } from "node:child_process";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import type { PoolExecutor } from "../thread.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 3;
const DURATIONS = [500, 500, 10, 10, 10, 10];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

type Kind = "threads" | "processes";
const make = (kind: Kind, options: { maxWorkers: number; minWorkers?: number }): PoolExecutor =>
  kind === "threads" ? new ThreadPoolExecutor(options) : new ProcessPoolExecutor(options);

const syncNap = (ms: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
};
const asyncNap = (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms));

async function mixed(kind: Kind, nap: (ms: number) => unknown): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await using executor = make(kind, { maxWorkers: 2 });
    // Quick calls first: the pool learns the function is quick and sends
    // tasks ahead, which is where head-of-line blocking came from.
    await Promise.all(Array.from({ length: 200 }, () => executor.submit(nap, 0).result()));
    const start = performance.now();
    await Promise.all(DURATIONS.map((ms) => executor.submit(nap, ms).result()));
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function resultDelay(kind: Kind): Promise<{ delay: number; roundTrip: number }> {
  const delays: number[] = [];
  const trips: number[] = [];
  await using executor = make(kind, { maxWorkers: 1 });
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => executor.submit((x: number) => x, i).result()),
  );
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    await executor.submit((x: number) => x, 1).result();
    trips.push(performance.now() - t);
    t = performance.now();
    const quick = executor.submit((x: number) => x, 1);
    const long = executor.submit(syncNap, 300);
    await quick.result();
    delays.push(performance.now() - t);
    await long.result();
  }
  return { delay: median(delays), roundTrip: median(trips) };
}

// The longest gap between ticks of a 1 ms interval while `body` runs.
async function longestStall(body: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  last = performance.now();
  longest = 0;
  await body();
  const now = performance.now();
  longest = Math.max(longest, now - last);
  clearInterval(timer);
  return longest;
}

async function callerLag(kind: Kind, workers: number, prestart: boolean): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let executor: PoolExecutor | undefined;
    samples.push(
      await longestStall(async () => {
        executor = make(kind, {
          maxWorkers: workers,
          ...(prestart ? { minWorkers: workers } : {}),
        });
        await Promise.all(
          Array.from(
            { length: workers },
            () => executor!.submit(() => new Promise((r) => setTimeout(r, 30))).result(),
          ),
        );
      }),
    );
    await executor!.shutdown();
  }
  return median(samples);
}

function python(): Record<Kind, number> | undefined {
  const script = new URL("./python_mixed.py", import.meta.url).pathname;
  const result = spawnSync("python3", [script, JSON.stringify(DURATIONS), String(rounds)], {
    encoding: "utf8",
  });
  if (result.error || result.status !== 0) return undefined;
  return JSON.parse(result.stdout);
}

const cpython = python();
const fmt = (x: number) => x.toFixed(1).padStart(8);
console.log(`${runtime}, ${rounds} round(s), medians; 2 cores, shared machine: noisy`);
for (const kind of ["threads", "processes"] as Kind[]) {
  const base = cpython?.[kind];
  for (const [label, nap] of [["sync sleep", syncNap], ["async sleep", asyncNap]] as const) {
    const ms = await mixed(kind, nap);
    const ratio = base
      ? ` | CPython ${fmt(base)} ms | ours/CPython ${(ms / base).toFixed(2)} (target <= 1.05)`
      : "";
    console.log(`${kind.padEnd(9)} mixed burst, ${label.padEnd(11)} ${fmt(ms)} ms${ratio}`);
  }
  const { delay, roundTrip } = await resultDelay(kind);
  console.log(
    `${kind.padEnd(9)} result delay behind a 300 ms task ${fmt(delay)} ms | round trip ${
      fmt(roundTrip)
    } ms (target <= 1 ms + round trip)`,
  );
  for (const prestart of [false, true]) {
    const lag = await callerLag(kind, 4, prestart);
    console.log(
      `${kind.padEnd(9)} caller lag, 4 workers ${
        prestart ? "(minWorkers, construction)" : "(grown on demand)    "
      } ${fmt(lag)} ms | ${(lag / 4).toFixed(1)} ms/worker (target <= 10)`,
    );
  }
}
