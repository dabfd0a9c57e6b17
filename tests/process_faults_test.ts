// Faults a process pool's child must survive without losing or repeating a
// result: its protocol thread killed or frozen in the middle of a burst, the
// child exiting in the middle of a write, children killed with SIGKILL and
// tasks stopped at random points of a soak. Every future settles, once.
//
// The soaks run FUTURES_SOAK_TASKS tasks each (3000 by default; 100000 for
// the long soak: `FUTURES_SOAK_TASKS=100000 bash .tools/test.sh
// tests/process_faults_test.ts`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fromModule, type Future } from "../future.ts";
import { BrokenProcessPool, ProcessPoolExecutor } from "../process.ts";
import { scratch, settlesWithin, warm } from "./_scheduling.ts";

const faults = fromModule<typeof import("./fixtures/fault_tasks.ts")>(
  new URL("./fixtures/fault_tasks.ts", import.meta.url),
);
const plusOne = (x: number) => x + 1;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const SOAK_TASKS = Number(process.env.FUTURES_SOAK_TASKS ?? 3000);

/** Counts how many times each future settles (its done callbacks). */
function settleCounts(futures: Future<unknown>[]): number[] {
  const counts = futures.map(() => 0);
  futures.forEach((future, i) => future.addDoneCallback(() => counts[i]!++));
  return counts;
}

/** A small seeded generator, so that a failing soak can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function childrenOf(parent: number): number[] {
  const list = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8");
  return list.trim().split(/\s+/).filter(Boolean).map(Number);
}

// Teaches the pool that `step` is quick, so that it sends it in batches.
async function warmStep(executor: ProcessPoolExecutor): Promise<void> {
  await Promise.all(range(0, 400).map((i) => executor.submit(faults.step, i, -1, "none").result()));
}

for (const fault of ["kill", "freeze"] as const) {
  test(`a child whose protocol thread is ${fault === "kill" ? "killed" : "frozen"} in the middle of a burst still reports every result, once`, async () => {
    await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    await warmStep(executor);
    const futures = range(0, 3000).map((i) => executor.submit(faults.step, i, 500, fault));
    const counts = settleCounts(futures);
    assert.deepEqual(
      await settlesWithin(Promise.all(futures.map((f) => f.result())), 30_000, "the results"),
      range(1, 3001),
    );
    // Later bursts too.
    const later = range(0, 1000).map((i) => executor.submit(plusOne, i));
    assert.deepEqual(
      await settlesWithin(Promise.all(later.map((f) => f.result())), 30_000, "later results"),
      range(1, 1001),
    );
    await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
    assert.ok(counts.every((n) => n === 1), "every future settled once");
  });
}

test("children whose protocol threads are frozen still run every task once, with hand-backs unanswered", async () => {
  using dir = scratch();
  const log = dir.path("log");
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  await warm(executor, plusOne);
  const frozen = new Set<number>();
  for (let attempt = 0; frozen.size < 2 && attempt < 100; attempt++) {
    const pair = [0, 1].map(() => executor.submit(faults.faultProtocolThread, "freeze"));
    for (const pid of await Promise.all(pair.map((f) => f.result()))) frozen.add(pid);
  }
  assert.equal(frozen.size, 2, "both children frozen");
  // Some slow tasks among quick ones, so that the pool asks a busy child
  // for the tasks behind its slow one (nobody answers).
  const futures = range(0, 600).map((i) =>
    i % 40 === 0 ? executor.submit(faults.spin, i, 30) : executor.submit(faults.logged, log, i)
  );
  const counts = settleCounts(futures);
  const values = await settlesWithin(
    Promise.all(futures.map((f) => f.result())),
    60_000,
    "the results",
  );
  assert.deepEqual(values, range(1, 601));
  const runs = readFileSync(log, "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
  assert.deepEqual(runs, range(0, 600).filter((i) => i % 40 !== 0), "each task ran once");
  await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
  assert.ok(counts.every((n) => n === 1), "every future settled once");
});

for (
  const [what, fault] of [["in the middle of a write", "exit mid-write"], [
    "between tasks",
    "exit",
  ]] as const
) {
  test(`a child that exits ${what} has reported every result before it, and every future settles once`, async () => {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    await warmStep(executor);
    const futures = range(0, 1500).map((i) => executor.submit(faults.step, i, 1000, fault));
    const counts = settleCounts(futures);
    assert.deepEqual(
      await settlesWithin(
        Promise.all(futures.slice(0, 1000).map((f) => f.result())),
        30_000,
        "the results before the exit",
      ),
      range(1, 1001),
    );
    for (const future of futures.slice(1000)) {
      const error = await settlesWithin(future.exception(), 30_000, "a future after the exit");
      assert.ok(error instanceof BrokenProcessPool, String(error));
    }
    await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
    assert.ok(counts.every((n) => n === 1), "every future settled once");
  });
}

/** What one wave of a soak leaves: ids that resolved, ids that may have run. */
interface Wave {
  resolved: number[];
  maybe: number[];
}

// Submits `ids` to a new pool and kills one of its children with SIGKILL once
// a random number of their futures settled: each future then holds its value
// or BrokenProcessPool.
async function killWave(ids: number[], log: string, next: () => number, seed: number) {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  const futures = ids.map((i) => executor.submit(faults.logged, log, i));
  const counts = settleCounts(futures);
  const killAt = Math.floor(next() * ids.length);
  const pick = next();
  let settled = 0;
  for (const future of futures) {
    future.addDoneCallback(() => {
      if (settled++ !== killAt) return;
      const children = childrenOf(process.pid);
      const victim = children[Math.floor(pick * children.length)];
      if (victim !== undefined) process.kill(victim, "SIGKILL");
    });
  }
  const what = `the wave from ${ids[0]} (seed ${seed})`;
  await settlesWithin(Promise.all(futures.map((f) => f.exception())), 60_000, what);
  const wave: Wave = { resolved: [], maybe: [] };
  for (const [k, future] of futures.entries()) {
    const error = await future.exception();
    if (error === undefined) {
      assert.equal(await future.result(), ids[k]! + 1, what);
      wave.resolved.push(ids[k]!);
    } else {
      assert.ok(error instanceof BrokenProcessPool, `${error} (seed ${seed})`);
      wave.maybe.push(ids[k]!);
    }
  }
  await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
  assert.ok(counts.every((n) => n === 1), `every future settled once (seed ${seed})`);
  return wave;
}

// Submits `ids` with about one in 50 under a signal, each aborted once a
// random number of the wave's futures settled: its worker is stopped, and
// the tasks behind it go to a new one.
async function stopWave(
  executor: ProcessPoolExecutor,
  ids: number[],
  log: string,
  next: () => number,
  seed: number,
) {
  const abortAt = new Map<number, AbortController[]>();
  const signalled = new Set<number>();
  const futures = ids.map((i) => {
    if (next() >= 0.02) return executor.submit(faults.logged, log, i);
    signalled.add(i);
    const controller = new AbortController();
    const at = Math.floor(next() * ids.length);
    abortAt.set(at, [...(abortAt.get(at) ?? []), controller]);
    return executor.with({ signal: controller.signal }).submit(faults.spin, i, 2);
  });
  const counts = settleCounts(futures);
  const abort = (at: number) => abortAt.get(at)?.forEach((c) => c.abort(new Error("stopped")));
  let settled = 0;
  for (const future of futures) future.addDoneCallback(() => abort(++settled));
  abort(0);
  const what = `the wave from ${ids[0]} (seed ${seed})`;
  await settlesWithin(Promise.all(futures.map((f) => f.exception().catch(() => {}))), 60_000, what);
  const wave: Wave = { resolved: [], maybe: [] };
  for (const [k, future] of futures.entries()) {
    if (future.cancelled()) continue;
    const error = await future.exception();
    if (error === undefined) {
      assert.equal(await future.result(), ids[k]! + 1, what);
      // (A task under a signal does not log: it may have finished first.)
      if (!signalled.has(ids[k]!)) wave.resolved.push(ids[k]!);
    } else if (!signalled.has(ids[k]!)) {
      // A task behind a stopped one may have begun when its child was
      // killed: it fails with BrokenProcessPool rather than running twice.
      assert.ok(error instanceof BrokenProcessPool, `${error} (seed ${seed})`);
      assert.match(error.message, /may have begun/);
      wave.maybe.push(ids[k]!);
    }
  }
  assert.ok(counts.every((n) => n === 1), `every future settled once (seed ${seed})`);
  return wave;
}

// Runs SOAK_TASKS tasks in waves of 500 and checks the log: no task ran
// twice, and every task that resolved ran.
async function soak(
  name: string,
  wave: (ids: number[], log: string, next: () => number, seed: number) => Promise<Wave>,
) {
  using dir = scratch();
  const log = dir.path("log");
  const seed = Date.now();
  const next = random(seed);
  const resolved = new Set<number>();
  const maybe = new Set<number>();
  for (let first = 0; first < SOAK_TASKS; first += 500) {
    const ids = range(first, Math.min(first + 500, SOAK_TASKS));
    const done = await wave(ids, log, next, seed);
    for (const id of done.resolved) resolved.add(id);
    for (const id of done.maybe) maybe.add(id);
  }
  const runs = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map(Number);
  const ran = new Set(runs);
  assert.equal(ran.size, runs.length, `${name}: no task ran twice (seed ${seed})`);
  for (const id of resolved) assert.ok(ran.has(id), `${name}: task ${id} resolved without running`);
  for (const id of ran) {
    assert.ok(resolved.has(id) || maybe.has(id), `${name}: task ${id} ran, its future failed`);
  }
}

test(`SIGKILL of children at random points (${SOAK_TASKS} tasks): every future settles once, no task runs twice`, async () => {
  await soak("SIGKILL", killWave);
});

test(`tasks stopped at random points (${SOAK_TASKS} tasks): every future settles once, no task runs twice`, async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  await warm(executor, plusOne);
  await soak("stops", (ids, log, next, seed) => stopWave(executor, ids, log, next, seed));
});
