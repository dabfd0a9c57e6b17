// A check both pools run: a long synchronous task must not hold back the
// results that finished just before it in the same batch.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Executor } from "../future.ts";

const addOne = (x: number) => x + 1;

// Blocks its worker, synchronously, until `path` exists: a long task that
// never yields, released by the test rather than by a timer. Inline, so it
// is compiled with no module to load first (loading would flush anyway).
export const blockUntilExists = (path: string): string => {
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): { existsSync(path: string): boolean } };
  }).process.getBuiltinModule("node:fs");
  while (!fs.existsSync(path));
  return "released";
};

/** Runs the check on `executor`, which must have exactly one worker. */
export async function assertResultsNotHeldBack(executor: Executor): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "held-"));
  const release = join(dir, "release");
  try {
    // Many tiny calls teach the pool to send tasks ahead, so the next ones
    // reach the worker in one batch, and finish within a millisecond.
    await Promise.all(Array.from({ length: 200 }, (_, i) => executor.submit(addOne, i).result()));
    const quick = Array.from({ length: 20 }, (_, i) => executor.submit(addOne, i));
    const blocking = executor.submit(blockUntilExists, release);
    // These must arrive while the last task still blocks the worker.
    for (const [i, future] of quick.entries()) assert.equal(await future.result(), i + 1);
    assert.ok(!blocking.done());
    writeFileSync(release, "");
    assert.equal(await blocking.result(), "released");
  } finally {
    writeFileSync(release, ""); // never leave a worker blocked
    rmSync(dir, { recursive: true });
  }
}
