// A process pool's results travel in bursts (_worker/burst_log.ts): what a
// child finished leaves its main thread before the next task starts, and
// reaches the pool while that task runs, in order, once, whatever the
// values (JSON, the clone format, large ones).

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { fromModule } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { scratch, settlesWithin, warm } from "./_scheduling.ts";

const faults = fromModule<typeof import("./fixtures/fault_tasks.ts")>(
  new URL("./fixtures/fault_tasks.ts", import.meta.url),
);
const identity = <T>(x: T) => x;
/**
 * Returns x, or blocks its child until `path` exists: one function, which
 * the pool knows as quick, so that it sends the blocking call in the middle
 * of a batch.
 */
const quickOrBlock = (x: number, path?: string) => {
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): { existsSync(path: string): boolean } };
  }).process.getBuiltinModule("node:fs");
  while (path !== undefined && !fs.existsSync(path));
  return x;
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Submits 300 quick calls and, in the same batch, one that blocks the child
 * (after `before`, on a warmed pool of one child): the quick results must
 * reach their futures while the blocking call runs.
 */
async function resultsWhileBlocked(before?: (executor: ProcessPoolExecutor) => Promise<unknown>) {
  using dir = scratch();
  const release = dir.path("release");
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    await warm(executor, quickOrBlock);
    await before?.(executor);
    // Submitted together: the child gets them in one batch, and the quick
    // results wait in its log when the blocking task starts.
    const quick = range(300).map((i) => executor.submit(quickOrBlock, i));
    const blocking = executor.submit(quickOrBlock, -1, release);
    assert.deepEqual(
      await settlesWithin(Promise.all(quick.map((f) => f.result())), 30_000, "the quick results"),
      range(300),
    );
    assert.equal(blocking.done(), false);
    writeFileSync(release, "");
    assert.equal(await blocking.result(), -1);
  } finally {
    writeFileSync(release, ""); // never leave a child blocked
  }
}

test("results of a batch reach their futures while a later task of the batch blocks the child", async () => {
  // The protocol thread writes them.
  await resultsWhileBlocked();
});

test("a child whose protocol thread was killed writes results before each task itself", async () => {
  await resultsWhileBlocked((executor) =>
    executor.submit(faults.faultProtocolThread, "kill").result()
  );
});

test("a burst keeps order and values whatever crosses: JSON, clone-only and large results", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  await warm(executor);
  const big = "x".repeat(300_000); // more than a share of the log: sent alone
  const values: unknown[] = range(600).map((i) => {
    switch (i % 6) {
      case 0:
        return i;
      case 1:
        return undefined;
      case 2:
        return new Map([[i, { at: i }]]);
      case 3:
        return 10n ** 30n + BigInt(i);
      case 4:
        return i % 60 === 4 ? big + i : { i, text: `é${i}😀`, list: [i, -1.5, null, true] };
      default:
        return [NaN, -0, Infinity, i];
    }
  });
  const futures = values.map((value) => executor.submit(identity, value));
  assert.deepEqual(
    await settlesWithin(Promise.all(futures.map((f) => f.result())), 60_000, "the results"),
    values,
  );
});

test("a result that cannot cross fails its own task only, in the middle of a burst", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  await warm(executor);
  const futures = range(200).map((i) =>
    executor.submit((x: number) => (x === 100 ? (() => x) : x), i)
  );
  const settled = await settlesWithin(
    Promise.allSettled(futures.map((f) => f.result())),
    30_000,
    "the results",
  );
  settled.forEach((outcome, i) => {
    if (i !== 100) return assert.deepEqual(outcome, { status: "fulfilled", value: i });
    assert.equal(outcome.status, "rejected");
    assert.ok((outcome as PromiseRejectedResult).reason instanceof TypeError);
  });
});
