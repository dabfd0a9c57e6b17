// One suite that every Executor runs: the in-process test executor, the
// thread pool and the process pool. Tasks are self-contained functions or
// module references, since they may run in another thread or process; a
// task that must block waits on a gate (_gate.ts), which tells the test when
// it is running.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  type Executor,
  FIRST_COMPLETED,
  fromModule,
  ShutdownError,
  wait,
} from "../future.ts";
import { gated, openGate } from "./_gate.ts";

type Tasks = typeof import("./fixtures/tasks.ts");
const tasks = fromModule<Tasks>(
  new URL("./fixtures/tasks.ts", import.meta.url),
);

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

/** Registers the conformance tests for executors made by `create`. */
export function executorConformance(
  name: string,
  create: (options: { maxWorkers: number }) => Executor,
): void {
  const it = (what: string, body: () => Promise<void>) => test(`${name} ${what}`, body);

  it("submit() runs an inline function with its arguments", async () => {
    await using executor = create({ maxWorkers: 2 });
    assert.equal(
      await executor.submit((a: number, b: number) => a ** b, 2, 8).result(),
      256,
    );
    assert.equal(
      await executor.submit(() => "no arguments").result(),
      "no arguments",
    );
  });

  it("submit() runs a module function by reference, with its imports and state", async () => {
    await using executor = create({ maxWorkers: 1 });
    assert.equal(await executor.submit(tasks.fib, 20).result(), 6765);
    assert.equal(await executor.submit(tasks.later, "async").result(), "async");
    // A generic export keeps its type parameter: a string, not unknown.
    const head: string = await executor.submit(tasks.first, ["a", "b"]).result();
    assert.equal(head, "a");
    const first = await executor.submit(tasks.countCalls).result();
    assert.equal(await executor.submit(tasks.countCalls).result(), first + 1);
  });

  it("passes arguments and results of every cloneable kind", async () => {
    await using executor = create({ maxWorkers: 1 });
    const values: unknown[] = [
      12345678901234567890n,
      new Map<unknown, unknown>([[1, { a: [1, 2] }], ["k", new Set([1])]]),
      new Set(["a", "b"]),
      new Date(86_400_000),
      /ab+c/gi,
      new Uint8Array([1, 2, 255]),
      new Float64Array([1.5, -0.5]),
      new Uint8Array([9, 8, 7]).buffer,
      { nested: { deep: [null, true, "s", { x: undefined }] } },
      undefined,
      NaN,
      -0,
      Infinity,
      "",
      [1, , 3],
    ];
    for (const value of values) {
      const back = await executor.submit((v: unknown) => v, value).result();
      assert.deepEqual(back, value);
      if (typeof value === "number") assert.ok(Object.is(back, value));
    }
    const described = await executor.submit(
      (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n),
      new Map([["a", 1n], ["b", 2n]]),
    ).result();
    assert.equal(described, 3n);
  });

  it("passes a task's error with its class, message and own properties", async () => {
    await using executor = create({ maxWorkers: 1 });
    const error = await executor.submit(tasks.failWithCode, "E_CODE")
      .exception() as
        & TypeError
        & { code: string };
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "failed with E_CODE");
    assert.equal(error.code, "E_CODE");
    const inline = await executor.submit(() => {
      throw Object.assign(new RangeError("inline"), { detail: { n: 1 } });
    }).exception() as RangeError & { detail: unknown };
    assert.ok(inline instanceof RangeError);
    assert.deepEqual(inline.detail, { n: 1 });
    await assert.rejects(
      executor.submit(() => {
        throw "a string";
      }).result(),
      (thrown) => thrown === "a string",
    );
  });

  it("keeps working after a task fails", async () => {
    await using executor = create({ maxWorkers: 1 });
    await executor.submit(() => {
      throw new Error("once");
    }).exception();
    assert.equal(await executor.submit((x: number) => x * 2, 21).result(), 42);
  });

  it("runs many small tasks to completion with the right results", async () => {
    await using executor = create({ maxWorkers: 2 });
    const futures = Array.from(
      { length: 2000 },
      (_, i) => executor.submit((x: number) => x * 3, i),
    );
    const results = await Promise.all(futures.map((f) => f.result()));
    assert.deepEqual(results, Array.from({ length: 2000 }, (_, i) => i * 3));
  });

  it("map() yields results in input order, with and without chunks", async () => {
    await using executor = create({ maxWorkers: 2 });
    const items = Array.from({ length: 100 }, (_, i) => i);
    const expected = items.map((x) => x * x);
    assert.deepEqual(
      await collect(executor.map((x: number) => x * x, items)),
      expected,
    );
    for (const chunksize of [7, 100, 1000]) {
      assert.deepEqual(
        await collect(executor.map((x: number) => x * x, items, { chunksize })),
        expected,
      );
    }
    assert.deepEqual(
      await collect(
        executor.map(tasks.add, [1, 2, 3], [10, 20, 30], { buffersize: 2 }),
      ),
      [11, 22, 33],
    );
  });

  it("map() yields the results before a failed call, then throws its error", async () => {
    await using executor = create({ maxWorkers: 2 });
    for (const chunksize of [1, 3]) {
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (
            const x of executor.map(
              (a: number, b: number) => {
                if (b === 0) throw new RangeError("division by zero");
                return a / b;
              },
              [6, 6, 6, 6],
              [2, 3, 0, 1],
              { chunksize },
            )
          ) seen.push(x);
        })(),
        RangeError,
      );
      assert.deepEqual(seen, [3, 2]);
    }
  });

  it("cancel() stops a queued task while the only worker is busy", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 1 });
    const busy = executor.submit(gated, gate.url, "busy");
    await gate.arrived(1);
    const queued = executor.submit(() => "ran");
    assert.equal(queued.cancel(), true);
    assert.equal(queued.cancelled(), true);
    assert.equal(busy.cancel(), false);
    assert.ok(busy.running());
    gate.open();
    assert.equal(await busy.result(), "busy");
    await assert.rejects(queued.result(), CancelledError);
  });

  it("shutdown() lets queued tasks finish, then refuses new ones", async () => {
    await using gate = await openGate();
    const executor = create({ maxWorkers: 1 });
    const busy = executor.submit(gated, gate.url, "busy");
    const queued = [1, 2, 3].map((x) => executor.submit((n: number) => n * 10, x));
    await gate.arrived(1);
    const shutdown = executor.shutdown();
    assert.throws(() => executor.submit(() => 1), ShutdownError);
    assert.throws(() => executor.submit(() => 1), /shut down/);
    assert.throws(() => executor.map((n: number) => n, [1]), ShutdownError);
    gate.open();
    await shutdown;
    assert.equal(await busy.result(), "busy");
    assert.deepEqual(await Promise.all(queued.map((f) => f.result())), [
      10,
      20,
      30,
    ]);
    await executor.shutdown(); // harmless again
  });

  it("shutdown({ cancelFutures: true }) cancels what has not started", async () => {
    await using gate = await openGate();
    const executor = create({ maxWorkers: 1 });
    const busy = executor.submit(gated, gate.url, "busy");
    await gate.arrived(1);
    const queued = [1, 2, 3].map((x) => executor.submit((n: number) => n, x));
    const shutdown = executor.shutdown({ cancelFutures: true });
    assert.ok(queued.every((f) => f.cancelled()));
    gate.open();
    await shutdown;
    assert.equal(await busy.result(), "busy");
  });

  it("shutdown({ wait: false }) returns at once and the work still completes", async () => {
    await using gate = await openGate();
    const executor = create({ maxWorkers: 1 });
    const busy = executor.submit(gated, gate.url, "busy");
    await executor.shutdown({ wait: false });
    assert.equal(busy.done(), false);
    gate.open();
    assert.equal(await busy.result(), "busy");
  });

  it("await using shuts the executor down and waits for its tasks", async () => {
    let future;
    {
      await using executor = create({ maxWorkers: 1 });
      future = executor.submit(tasks.later, 5);
    }
    assert.equal(future.done(), true);
    assert.equal(await future.result(), 5);
  });

  it("shutdown() rejects options of the wrong type", async () => {
    await using executor = create({ maxWorkers: 1 });
    await assert.rejects(
      executor.shutdown({ wait: "yes" as unknown as boolean }),
      TypeError,
    );
  });

  it("shutdown() refuses an unknown option (a misspelt cancel_futures would be ignored)", async () => {
    await using executor = create({ maxWorkers: 1 });
    await assert.rejects(
      executor.shutdown({ cancel_futures: true } as unknown as { cancelFutures: boolean }),
      /^TypeError: Cannot shut down executor: unknown option "cancel_futures", expected one of wait, cancelFutures$/,
    );
  });

  it("wait() and asCompleted() work over its futures", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 2 });
    const fast = executor.submit((x: number) => x, 1);
    const slow = executor.submit(gated, gate.url, 2);
    const first = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
    assert.ok(first.done.has(fast));
    assert.ok(first.notDone.has(slow));
    const order = [];
    queueMicrotask(() => gate.open());
    for await (const future of asCompleted([slow, fast])) order.push(future);
    assert.deepEqual(order, [fast, slow]);
    const all = await wait([fast, slow]);
    assert.equal(all.done.size, 2);
  });

  it("with({ signal }) cancels a task that has not started when the signal aborts", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 1 });
    const controller = new AbortController();
    const view = executor.with({ signal: controller.signal });
    const running = view.submit(gated, gate.url, "ran");
    await gate.arrived(1);
    const queued = view.submit((x: number) => x, 2);
    controller.abort(new Error("caller gave up"));
    assert.equal(queued.cancelled(), true);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(executor.with({ signal: aborted.signal }).submit(() => 1).cancelled(), true);
    gate.open();
    await running.exception(); // ran or was stopped: either way it settles
  });

  it("with({ signal }).map() throws the signal's reason once it aborts", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 1 });
    const controller = new AbortController();
    const reason = new Error("enough");
    const results = executor.with({ signal: controller.signal }).map(
      gated,
      [gate.url, gate.url, gate.url],
      [1, 2, 3],
    );
    const first = results.next();
    await gate.arrived(1);
    controller.abort(reason);
    await assert.rejects(first, (error) => error === reason);
    gate.open();
  });

  it("with() rejects options of the wrong type or range", async () => {
    await using executor = create({ maxWorkers: 1 });
    assert.throws(() => executor.with({ signal: {} as AbortSignal }), TypeError);
    assert.throws(() => executor.with({ timeLimit: 0 }), RangeError);
    assert.throws(() => executor.with({ timeLimit: "1" as unknown as number }), TypeError);
    assert.throws(() => executor.with({ transfer: 1 as unknown as [] }), TypeError);
    assert.throws(() => executor.with({ nope: 1 } as never), {
      name: "TypeError",
      message:
        'Cannot set call options: unknown option "nope", expected one of signal, timeLimit, transfer',
    });
  });
}
