// Executor.map from the base class, through an executor that implements only
// submit and shutdown (CPython's executor.py map tests, plus async inputs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import {
  CancelledError,
  Executor,
  Future,
  type MapOptions,
  type Task,
  TimeoutError,
} from "../future.ts";
import { InlineExecutor } from "./_inline_executor.ts";

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

function* count(from = 0): Generator<number> {
  for (let i = from;; i++) yield i;
}

test("map() zips its inputs, stops at the shortest and keeps input order", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 4 });
  const out = await collect(
    executor.map((a: number, b: string) => `${a}${b}`, [1, 2, 3], "xy"),
  );
  assert.deepEqual(out, ["1x", "2y"]);
});

test("map() reads an array as its iterator does: holes as undefined, growth seen lazily", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  for (const chunksize of [1, 2]) {
    // deno-lint-ignore no-sparse-arrays
    const input: (number | undefined)[] = [1, , 3];
    const seen: unknown[] = [];
    const options = { buffersize: 1, chunksize };
    for await (const value of executor.map((x?: number) => x ?? "hole", input, options)) {
      seen.push(value);
      if (seen.length === 1) input.push(4);
    }
    assert.deepEqual(seen, [1, "hole", 3, 4], `chunksize ${chunksize}`);
  }
});

test("map() calls an array's own iterator when it is replaced", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  const input = [1, 2, 3];
  input[Symbol.iterator] = () => [10, 20].values();
  assert.deepEqual(await collect(executor.map((x: number) => x + 1, input)), [11, 21]);
});

test("map() yields in input order when later calls finish first", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 3 });
  const gates = [0, 1, 2].map(() => Promise.withResolvers<void>());
  const iterator = executor.map(async (i: number) => {
    await gates[i]!.promise;
    return i;
  }, [0, 1, 2]);
  gates[2]!.resolve();
  gates[1]!.resolve();
  gates[0]!.resolve();
  assert.deepEqual(await collect(iterator), [0, 1, 2]);
});

test("map() submits every call at once, even if never iterated", async () => {
  const ran: number[] = [];
  const executor = new InlineExecutor({ maxWorkers: 2 });
  executor.map((x: number) => void ran.push(x), [1, 2, 3]);
  await executor.shutdown();
  assert.deepEqual(ran.sort(), [1, 2, 3]);
});

test("map() with no input yields nothing", async () => {
  await using executor = new InlineExecutor();
  assert.deepEqual(await collect(executor.map(() => 1)), []);
  assert.deepEqual(
    await collect(executor.map((x: number) => x, [], { buffersize: 2 })),
    [],
  );
});

test("map() reads async inputs as they yield", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  async function* slowly() {
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      yield i;
    }
  }
  const out = await collect(
    executor.map((a: number, b: number) => a * b, slowly(), [10, 10, 10, 10]),
  );
  assert.deepEqual(out, [0, 10, 20, 30]);
});

test("map() with chunksize gives the same results", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  const items = Array.from({ length: 40 }, (_, i) => i);
  for (const chunksize of [1, 6, 40, 50]) {
    const out = await collect(
      executor.map((x: number) => x ** 2, items, { chunksize }),
    );
    assert.deepEqual(out, items.map((x) => x ** 2));
  }
});

test("map() with buffersize reads an infinite input lazily", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  for (const buffersize of [1, 2, 4]) {
    const iterator = executor.map(
      (a: number, b: number) => a + b,
      count(),
      count(),
      { buffersize },
    );
    const first = [];
    for await (const value of iterator) {
      first.push(value);
      if (first.length === 3) break;
    }
    assert.deepEqual(first, [0, 2, 4]);
  }
});

test("map() with buffersize consumes exactly buffersize items before iteration", async () => {
  const executor = new InlineExecutor({ maxWorkers: 2 });
  const items = [0, 1, 2, 3][Symbol.iterator]();
  executor.map((x: number) => String(x), items, { buffersize: 2 });
  await executor.shutdown();
  assert.equal(items.next().value, 2);
});

test("map() ends at a failed call and cancels what has not started", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 1 });
  const started: number[] = [];
  const gate = Promise.withResolvers<void>();
  const iterator = executor.map(async (x: number) => {
    started.push(x);
    if (x === 1) throw new RangeError("no 1");
    if (x >= 2) await gate.promise; // 2 holds the only worker; 3 must never start
    return x;
  }, [0, 1, 2, 3]);
  assert.deepEqual(await iterator.next(), { value: 0, done: false });
  await assert.rejects(iterator.next(), RangeError);
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  gate.resolve();
  await executor.shutdown();
  assert.ok(!started.includes(3), `started ${started}`);
});

test("map() cancels the rest when the loop is left early", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 1 });
  const started: number[] = [];
  for await (
    const x of executor.map((x: number) => started.push(x), [1, 2, 3, 4, 5])
  ) {
    if (x === 1) break;
  }
  await executor.shutdown();
  assert.ok(started.length < 5, `started ${started}`);
});

test("map() times out from the call, and still yields what is already done", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 2 });
  const never = new Future<void>();
  const iterator = executor.map(
    (x: number) => x === 2 ? never.result() : x,
    [0, 1, 2],
    { timeout: 5 },
  );
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const x of iterator) seen.push(x);
    })(),
    TimeoutError,
  );
  assert.deepEqual(seen, [0, 1]);
  never.setResult();
});

test("map() surfaces a cancelled call as CancelledError", async () => {
  await using executor = new InlineExecutor({ maxWorkers: 1 });
  const iterator = executor.map((x: number) => x, [1, 2]);
  await executor.shutdown({ cancelFutures: true, wait: false });
  const out = [];
  try {
    for await (const x of iterator) out.push(x);
  } catch (error) {
    assert.ok(error instanceof CancelledError);
  }
  assert.ok(out.length < 2);
});

test("map() throws bad options from the call, before submitting anything", () => {
  const executor = new InlineExecutor();
  let ran = false;
  const fn = (_x: number) => (ran = true);
  assert.throws(() => executor.map(fn, [1], { timeout: -1 }), RangeError);
  assert.throws(() => executor.map(fn, [1], { chunksize: 0 }), RangeError);
  assert.throws(() => executor.map(fn, [1], { buffersize: 1.5 }), RangeError);
  assert.throws(
    () => executor.map(fn, [1], { chunksize: "2" as unknown as number }),
    TypeError,
  );
  assert.throws(
    () => executor.map(fn, [1], { buffersize: "2" as unknown as number }),
    TypeError,
  );
  assert.throws(
    () => executor.map(fn, 5 as unknown as Iterable<number>),
    TypeError,
  );
  assert.throws(
    () => executor.map(5 as unknown as (x: number) => void, [1]),
    TypeError,
  );
  assert.equal(ran, false);
});

test("map() refuses an unknown option (a misspelt chunkSize would be ignored), before submitting anything", () => {
  const executor = new InlineExecutor();
  let ran = false;
  const fn = (_x: number) => (ran = true);
  assert.throws(
    () => executor.map(fn, [1], { chunkSize: 2 } as unknown as { chunksize: number }),
    (error: Error) =>
      error.constructor === TypeError &&
      error.message ===
        'Cannot map: unknown option "chunkSize", expected one of timeout, chunksize, buffersize',
  );
  assert.equal(ran, false);
});

test("map() takes a trailing plain object as options, not as an input", async () => {
  await using executor = new InlineExecutor();
  const out = await collect(
    executor.map((x: number) => x + 1, [1, 2], { chunksize: 2 }),
  );
  assert.deepEqual(out, [2, 3]);
});

test("map() throws a submission error from the call itself", async () => {
  const executor = new InlineExecutor();
  await executor.shutdown();
  assert.throws(() => executor.map((x: number) => x, [1]), /shut down/);
});

test("await using an executor shuts it down and waits", async () => {
  let done = false;
  {
    await using executor = new InlineExecutor();
    executor.submit(async () => {
      await Promise.resolve();
      done = true;
    });
  }
  assert.equal(done, true);
});

test("map() takes a trailing undefined as no options, as a wrapper forwarding them passes it", async () => {
  await using executor = new InlineExecutor();
  const options: MapOptions | undefined = undefined;
  assert.deepEqual(await Array.fromAsync(executor.map((x: number) => x * 2, [1, 2], options)), [
    2,
    4,
  ]);
  assert.deepEqual(
    await Array.fromAsync(executor.map((a: number, b: number) => a + b, [1], [2], undefined)),
    [3],
  );
  assert.throws(() => executor.map((x: number) => x, undefined as never), /received undefined/);
});

// An async input that counts what is taken from it and whether it was closed.
function countingInput() {
  const state = { pulled: 0, closed: false };
  async function* input() {
    try {
      for (let i = 0;; i++) {
        state.pulled++;
        await new Promise((resolve) => setImmediate(resolve)); // a queue: items arrive over time
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, input: input() };
}

test("map() takes nothing more from an async input once the loop is left, and closes it", async () => {
  await using executor = new InlineExecutor();
  const { state, input } = countingInput();
  const seen = [];
  for await (const value of executor.map((x: number) => x, input, { chunksize: 50 })) {
    seen.push(value);
    if (seen.length === 3) break;
  }
  const atBreak = state.pulled;
  for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
  // One read may have been under way when the loop was left; none after it.
  assert.ok(state.pulled <= atBreak + 1, `pulled ${state.pulled - atBreak} more after the break`);
  assert.equal(state.closed, true);
});

test("map() closes its inputs when a task fails, and leaves a finished input's partner open", async () => {
  await using executor = new InlineExecutor();
  const failing = countingInput();
  await assert.rejects(
    Array.fromAsync(executor.map((x: number) => {
      if (x === 2) throw new Error("boom");
      return x;
    }, failing.input)),
    /boom/,
  );
  for (let i = 0; i < 50 && !failing.state.closed; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(failing.state.closed, true);
  // Ending normally because the shortest input ended closes nothing.
  let closed = false;
  function* longer() {
    try {
      yield* [1, 2, 3];
    } finally {
      closed = true;
    }
  }
  const it = longer();
  assert.deepEqual(await Array.fromAsync(executor.map((a: number, b: number) => a + b, [1], it)), [
    2,
  ]);
  assert.equal(closed, false);
  assert.deepEqual([...it], [2, 3]);
});

// Runs each task at once: every future is finished before map sees it.
class DoneExecutor extends Executor {
  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
    const future = new Future<Awaited<R>>();
    future.setRunningOrNotifyCancel();
    future.setResult(fn(...args) as Awaited<R>);
    return future;
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

test("map() lets the event loop run while it hands out many results already done", async () => {
  await using executor = new DoneExecutor();
  const items = Array.from({ length: 5000 }, (_, i) => i);
  let handedOut = 0;
  let turnAt = -1;
  // Runs only once the loop gets a turn: without one, after the last item
  // (a pool's results and its workers' next tasks would wait as long).
  setImmediate(() => turnAt = handedOut);
  for await (const _ of executor.map((x: number) => x, items)) handedOut++;
  assert.ok(turnAt >= 0 && turnAt < items.length, `the event loop ran at item ${turnAt}`);
});
