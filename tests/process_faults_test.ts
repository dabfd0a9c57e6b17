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

for (const fault of ["kill", "freeze"] as const) {
  test(`a child whose protocol thread is ${fault === "kill" ? "killed" : "frozen"} in the middle of a burst still reports every result, once`, async () => {
    await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    await warm(executor, plusOne);
    const futures = range(0, 500).map((i) => executor.submit(plusOne, i));
    const faulted = executor.submit(faults.faultProtocolThread, fault);
    futures.push(...range(501, 3000).map((i) => executor.submit(plusOne, i)));
    const counts = settleCounts([...futures, faulted]);
    const values = await settlesWithin(
      Promise.all(futures.map((f) => f.result())),
      30_000,
      "the results",
    );
    assert.deepEqual(values, [...range(1, 501), ...range(502, 3001)]);
    assert.equal(typeof await faulted.result(), "number");
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
  const [what, exit] of [["in the middle of a write", faults.exitMidWrite], [
    "between tasks",
    faults.exitNow,
  ]] as const
) {
  test(`a child that exits ${what} has reported every result before it, and every future settles once`, async () => {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    await warm(executor, plusOne);
    const before = range(0, 1000).map((i) => executor.submit(plusOne, i));
    const exiting = executor.submit(exit, 3);
    const after = range(0, 100).map((i) => executor.submit(plusOne, i));
    const counts = settleCounts([...before, exiting, ...after]);
    assert.deepEqual(
      await settlesWithin(Promise.all(before.map((f) => f.result())), 30_000, "the results"),
      range(1, 1001),
    );
    for (const future of [exiting, ...after]) {
      const error = await settlesWithin(future.exception(), 30_000, "a future after the exit");
      assert.ok(error instanceof BrokenProcessPool, String(error));
    }
    await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
    assert.ok(counts.every((n) => n === 1), "every future settled once");
  });
}

test(`SIGKILL of children at random points (${SOAK_TASKS} tasks): every future settles once, no task runs twice`, async () => {
  using dir = scratch();
  const log = dir.path("log");
  const seed = Date.now();
  const next = random(seed);
  const WAVE = 500;
  let submitted = 0;
  const resolved = new Set<number>();
  while (submitted < SOAK_TASKS) {
    const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
    const ids = range(submitted, Math.min(submitted + WAVE, SOAK_TASKS));
    submitted += ids.length;
    const futures = ids.map((i) => executor.submit(faults.logged, log, i));
    const counts = settleCounts(futures);
    // Kill one child once a random number of this wave's futures settled.
    const killAt = Math.floor(next() * ids.length);
    let settled = 0;
    const pick = next();
    for (const future of futures) {
      future.addDoneCallback(() => {
        if (settled++ !== killAt) return;
        const children = childrenOf(process.pid);
        const victim = children[Math.floor(pick * children.length)];
        if (victim !== undefined) process.kill(victim, "SIGKILL");
      });
    }
    await settlesWithin(
      Promise.all(futures.map((f) => f.exception())),
      60_000,
      `the wave from ${ids[0]} (seed ${seed})`,
    );
    for (const [i, future] of futures.entries()) {
      const error = await future.exception();
      if (error === undefined) {
        assert.equal(await future.result(), ids[i]! + 1);
        resolved.add(ids[i]!);
      } else assert.ok(error instanceof BrokenProcessPool, `${error} (seed ${seed})`);
    }
    await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
    assert.ok(counts.every((n) => n === 1), `every future settled once (seed ${seed})`);
  }
  const runs = readFileSync(log, "utf8").trim().split("\n").map(Number);
  assert.equal(new Set(runs).size, runs.length, `no task ran twice (seed ${seed})`);
  for (const id of resolved) assert.ok(runs.includes(id), `task ${id} resolved without running`);
});

test(`tasks stopped at random points (${SOAK_TASKS} tasks): every future settles once, no task runs twice`, async () => {
  using dir = scratch();
  const log = dir.path("log");
  const seed = Date.now();
  const next = random(seed);
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  await warm(executor, plusOne);
  const WAVE = 500;
  const resolved: number[] = [];
  const maybe = new Set<number>();
  for (let first = 0; first < SOAK_TASKS; first += WAVE) {
    const ids = range(first, Math.min(first + WAVE, SOAK_TASKS));
    const controllers = ids.map(() => next() < 0.02 ? new AbortController() : undefined);
    const futures = ids.map((i, k) => {
      const signal = controllers[k]?.signal;
      return signal
        ? executor.with({ signal }).submit(faults.spin, i, 2)
        : executor.submit(faults.logged, log, i);
    });
    const counts = settleCounts(futures);
    const abortAt = ids.map(() => Math.floor(next() * ids.length));
    let settled = 0;
    for (const future of futures) {
      future.addDoneCallback(() => {
        settled++;
        controllers.forEach((c, k) => {
          if (c && abortAt[k] === settled) c.abort(new Error("stopped"));
        });
      });
    }
    controllers.forEach((c, k) => abortAt[k] === 0 && c?.abort(new Error("stopped")));
    await settlesWithin(
      Promise.all(futures.map((f) => f.exception().catch(() => {}))),
      60_000,
      `the wave from ${first} (seed ${seed})`,
    );
    for (const [k, future] of futures.entries()) {
      if (controllers[k]) {
        // Stopped, cancelled, or finished before its abort.
        if (!future.cancelled() && (await future.exception()) === undefined) {
          assert.equal(await future.result(), ids[k]! + 1);
        }
        continue;
      }
      // A task behind a stopped one may have begun when its child was
      // killed: it fails with BrokenProcessPool rather than running twice.
      const error = await future.exception();
      if (error === undefined) {
        assert.equal(await future.result(), ids[k]! + 1, `task ${ids[k]} (seed ${seed})`);
        resolved.push(ids[k]!);
      } else {
        assert.ok(error instanceof BrokenProcessPool, `${error} (seed ${seed})`);
        assert.match(error.message, /may have begun/);
        maybe.add(ids[k]!);
      }
    }
    assert.ok(counts.every((n) => n === 1), `every future settled once (seed ${seed})`);
  }
  const runs = readFileSync(log, "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
  assert.deepEqual(
    runs.filter((id) => !maybe.has(id)),
    resolved.sort((a, b) => a - b),
    `each task ran once (seed ${seed})`,
  );
  assert.equal(new Set(runs).size, runs.length, `no task ran twice (seed ${seed})`);
});
