// The pool core's own cost per task against another version of this
// package, in one process, alternating rounds: both Pools run over fake
// workers (tests/_fake_transport.ts: a TaskRunner in this thread, messages
// by structuredClone), so no thread or child adds its noise, and what
// differs is the Pool's code (submit, dispatch, results, sizing).
//
//   git archive <commit> | tar -x -C /tmp/base
//   deno run -A bench/pool_core_ab.ts /tmp/base [--rounds N]
//   bun bench/pool_core_ab.ts /tmp/base [--rounds N]
//
// The Pool split into rooms (issue 27) against the commit before it, here/
// base per task, medians of 7 runs of 21–31 rounds (Deno 2.9.6 / Bun 1.4.5,
// 2-core VM shared with other jobs): thread pool tiny 1.00 (0.97–1.03) /
// 0.96 (0.81–1.24), latency 0.96 (0.87–1.15) / 1.02 (0.85–1.54); process
// pool tiny 1.03 (0.81–1.12) / 1.02 (0.95–1.21), latency 1.02 (0.94–1.06)
// / 1.08 (0.86–1.23). Within this machine's noise.

import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../tests/_fake_transport.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
if (!argv[0]) {
  throw new TypeError("Usage: pool_core_ab.ts <folder of the other version> [--rounds N]");
}
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 21;
const base = await import(
  pathToFileURL(resolve(argv[0], "tests/_fake_transport.ts")).href
) as typeof here;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
type FakePool = ReturnType<typeof here.fakePool>["pool"];
const TINY = 20_000, LATENCY = 2000;

async function tiny(pool: FakePool): Promise<number> {
  const start = performance.now();
  const futures = [];
  for (let i = 0; i < TINY; i++) futures.push(pool.submit((x: number) => x + 1, [i]));
  for (const future of futures) await future.result();
  return (performance.now() - start) * 1e6 / TINY; // ns per task
}

async function latency(pool: FakePool): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < LATENCY; i++) await pool.submit((x: number) => x + 1, [i]).result();
  return (performance.now() - start) * 1e6 / LATENCY; // ns per round trip
}

for (const sharedCancel of [true, false]) {
  const pools = {
    base: base.fakePool({ maxWorkers: 2, sharedCancel }).pool as unknown as FakePool,
    here: here.fakePool({ maxWorkers: 2, sharedCancel }).pool,
  };
  const samples = {
    base: { tiny: [] as number[], latency: [] as number[] },
    here: { tiny: [] as number[], latency: [] as number[] },
  };
  for (const side of ["base", "here"] as const) await tiny(pools[side]);
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? ["here", "base"] as const : ["base", "here"] as const) {
      samples[side].tiny.push(await tiny(pools[side]));
      samples[side].latency.push(await latency(pools[side]));
    }
  }
  const t = { base: median(samples.base.tiny), here: median(samples.here.tiny) };
  const l = { base: median(samples.base.latency), here: median(samples.here.latency) };
  console.log(
    `${runtime} ${sharedCancel ? "thread" : "process"} pool core: tiny base ${
      t.base.toFixed(0)
    } ns/task, here ${t.here.toFixed(0)} (${(t.here / t.base).toFixed(2)}x); latency base ${
      l.base.toFixed(0)
    } ns, here ${l.here.toFixed(0)} (${(l.here / l.base).toFixed(2)}x)`,
  );
  await pools.base.shutdown(true, false);
  await pools.here.shutdown(true, false);
}
