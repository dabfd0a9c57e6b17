// The scheduling promises on the thread pool, and a worker's idle exit.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ThreadPoolExecutor } from "../thread.ts";
import { schedulingConformance } from "./_scheduling.ts";

schedulingConformance("ThreadPoolExecutor", (options) => new ThreadPoolExecutor(options));

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
