// Overload on real pools: the maxQueue option and its default, a producer
// that awaits whenReady(), and map, which waits on the same gate, reads an
// async input a bounded way ahead and never starves the event loop.

import assert from "node:assert/strict";
import { test } from "node:test";
import { QueueFullError } from "../future.ts";
import { type PoolExecutor, ThreadPoolExecutor } from "../thread.ts";
import { ProcessPoolExecutor } from "../process.ts";

const double = (x: number) => 2 * x;

async function* naturals(closed: { value: boolean }) {
  try {
    for (let i = 0;; i++) yield i;
  } finally {
    closed.value = true;
  }
}

// Resolves with how many times the pool said backpressure, once it is idle.
function countBackpressure(executor: PoolExecutor): () => number {
  let count = 0;
  executor.addEventListener("backpressure", () => count++);
  return () => count;
}

test("both pools check maxQueue: a positive integer or Infinity", async () => {
  const make = [
    (maxQueue: unknown) => new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: maxQueue as number }),
    (maxQueue: unknown) => new ProcessPoolExecutor({ maxWorkers: 1, maxQueue: maxQueue as number }),
  ];
  for (const pool of make) {
    for (const bad of [0, -1, 1.5, NaN, -Infinity]) {
      assert.throws(() => pool(bad), {
        name: "RangeError",
        message: new RegExp(`maxQueue must be a positive integer or Infinity, received ${bad}$`),
      });
    }
    for (const bad of ["4", null, 4n]) assert.throws(() => pool(bad), TypeError);
    for (const good of [1, 10, Infinity, undefined]) await pool(good).shutdown();
  }
});

test("maxQueue defaults to 2^20 waiting tasks, whatever the pool's size", async () => {
  for (const maxWorkers of [1, 2]) {
    const executor = new ThreadPoolExecutor({ maxWorkers });
    let accepted = 0;
    // Synchronously: no task can leave the queue for a worker meanwhile.
    assert.throws(() => {
      for (;;) {
        executor.submit(double, accepted);
        accepted++;
      }
    }, QueueFullError);
    assert.equal(accepted, 2 ** 20);
    await executor.shutdown({ cancelFutures: true });
  }
});

test("a producer that awaits whenReady() never meets QueueFullError", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2, maxQueue: 8 });
  const backpressure = countBackpressure(executor);
  const futures = [];
  for (let i = 0; i < 300; i++) {
    await executor.whenReady();
    futures.push(executor.submit(double, i));
  }
  const results = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(results, futures.map((_, i) => 2 * i));
  assert.ok(backpressure() > 0, "the queue never filled: the test tested nothing");
});

for (
  const [name, make] of [
    ["thread", () => new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: 4 })],
    ["process", () => new ProcessPoolExecutor({ maxWorkers: 1, maxQueue: 4 })],
  ] as const
) {
  test(`map() on a ${name} pool waits for room in the queue instead of QueueFullError`, async () => {
    await using executor = make();
    const backpressure = countBackpressure(executor);
    const inputs = Array.from({ length: 200 }, (_, i) => i);
    const results = await Array.fromAsync(executor.map(double, inputs));
    assert.deepEqual(results, inputs.map(double));
    // An iterator that is not an array, and an async input, the same way.
    const fromSet = await Array.fromAsync(executor.map(double, new Set(inputs)));
    assert.deepEqual(fromSet, inputs.map(double));
    const fromAsync = await Array.fromAsync(executor.map(double, toAsync(inputs)));
    assert.deepEqual(fromAsync, inputs.map(double));
    assert.ok(backpressure() >= 3, `the queue filled ${backpressure()} times`);
    assert.equal(executor.stats().tasks.completed, 600);
  });
}

async function* toAsync<T>(items: Iterable<T>) {
  for (const item of items) yield item;
}

// maxQueue: Infinity, so that the pool's gate never pauses the reading:
// first the read-ahead bound and turns of the event loop, then the turns alone
// (a buffersize too large to matter), must let results and timers through.
for (const options of [{}, { buffersize: Number.MAX_SAFE_INTEGER }]) {
  test(
    `map() over an infinite async generator (${
      JSON.stringify(options)
    }) yields results, and timers fire`,
    { timeout: 60_000 },
    async () => {
      await using executor = new ThreadPoolExecutor({ maxWorkers: 2, maxQueue: Infinity });
      const closed = { value: false };
      let fired = false;
      const timer = setTimeout(() => (fired = true), 0);
      let n = 0;
      try {
        for await (const x of executor.map(double, naturals(closed), options)) {
          assert.equal(x, 2 * n++);
          if (fired && n >= 100) break;
        }
      } finally {
        clearTimeout(timer);
      }
      assert.ok(fired);
      assert.ok(closed.value, "the generator was not closed");
    },
  );
}

test("map() reads an async input at most 1024 chunks ahead of the results read", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2, maxQueue: Infinity });
  let read = 0;
  let reachedBound!: () => void;
  const reached = new Promise<void>((resolve) => (reachedBound = resolve));
  async function* counted() {
    for (;;) {
      const i = read++;
      if (read === 2048) reachedBound();
      yield i;
    }
  }
  const results = executor.map(double, counted(), { chunksize: 2 });
  // Nothing reads the results: the pool runs the 1024 chunks read ahead,
  // and then nothing more is read.
  await reached;
  while (executor.stats().tasks.completed < 1024) {
    await new Promise((resolve) => executor.addEventListener("drain", resolve, { once: true }));
  }
  assert.equal(read, 2048);
  assert.equal(executor.stats().tasks.submitted, 1024);
  assert.equal(await results.next().then((r) => r.value), 0);
  await results.return!();
});
