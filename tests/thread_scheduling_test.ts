// The scheduling promises on the thread pool, and what only threads can do:
// take back a task sent ahead to a worker blocked in synchronous code.

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { ThreadPoolExecutor } from "../thread.ts";
import {
  blockUntilExists,
  schedulingConformance,
  scratch,
  settlesWithin,
  warm,
} from "./_scheduling.ts";

schedulingConformance("ThreadPoolExecutor", (options) => new ThreadPoolExecutor(options));

test("ThreadPoolExecutor runs a task sent ahead to a worker stuck in synchronous code on an idle one", async () => {
  using dir = scratch();
  const release = dir.path("release");
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  try {
    await warm(executor);
    // Two to each worker: one worker spins in its first task, which never
    // yields, and the task behind it is taken through the cancel ring.
    const blocker = executor.submit(blockUntilExists, release);
    const quick = [1, 2, 3].map((x) => executor.submit((y: number) => y * 10, x));
    assert.deepEqual(
      await settlesWithin(Promise.all(quick.map((f) => f.result())), 30_000, "the quick tasks"),
      [10, 20, 30],
    );
    assert.equal(blocker.done(), false);
    writeFileSync(release, "");
    assert.equal(await blocker.result(), "released");
  } finally {
    writeFileSync(release, "");
  }
});

test("ThreadPoolExecutor ends a worker idle for idleTimeout ms and starts another on demand", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1, idleTimeout: 0 });
  // A random number each worker draws once: which worker ran a task.
  const identity = () => {
    const g = globalThis as { workerId?: number };
    return (g.workerId ??= Math.random());
  };
  const first = await executor.submit(identity).result();
  // Poll for the state (a new worker answers), never for a guessed delay:
  // each turn lets the idle timer fire; a hang detector bounds the loop.
  let now = first;
  for (let turn = 0; now === first; turn++) {
    if (turn > 10_000) throw new Error("the idle worker never exited");
    await new Promise((resolve) => setTimeout(resolve, 1));
    now = await executor.submit(identity).result();
  }
  assert.notEqual(now, first);
});
