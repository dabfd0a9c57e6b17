// The scheduling promises on the process pool, and a child's idle exit.

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { ProcessPoolExecutor } from "../process.ts";
import { schedulingConformance } from "./_scheduling.ts";

schedulingConformance("ProcessPoolExecutor", (options) => new ProcessPoolExecutor(options));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("ProcessPoolExecutor ends a child idle for idleTimeout ms, and starts another on demand", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1, idleTimeout: 0 });
  const pid = await executor.submit(() => process.pid).result();
  assert.ok(alive(pid));
  // Wait for the state (the child is gone), never for a guessed delay.
  for (let turn = 0; alive(pid); turn++) {
    if (turn > 30_000) throw new Error(`child ${pid} never exited`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const next = await executor.submit(() => process.pid).result();
  assert.notEqual(next, pid);
});

test("ProcessPoolExecutor keeps minWorkers children through idleTimeout", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2, minWorkers: 1, idleTimeout: 0 });
  const pid = await executor.submit(() => process.pid).result();
  // The one child is the minimum: idle, it stays, and runs the next task
  // (each turn gives its idle timer the chance to fire).
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    assert.equal(await executor.submit(() => process.pid).result(), pid);
  }
});
