// What both pools promise beyond the Executor conformance suite
// (_conformance.ts): behaviour that only exists when a task runs in another
// thread or process, so its errors, modules and messages must cross.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fromModule } from "../future.ts";
import type { PoolExecutor } from "../thread.ts";
import { openGate } from "./_gate.ts";

type Tasks = typeof import("./fixtures/tasks.ts");
const tasks = fromModule<Tasks>(new URL("./fixtures/tasks.ts", import.meta.url));

/** Blocks until the gate at `url` opens, then returns `value`. */
const gated = async (url: string, value: unknown) => {
  await (await fetch(url)).text();
  return value;
};

/** Rejects if `promise` has not settled within `ms`: a hang detector, not a timing check. */
function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** Registers the pool tests for executors made by `create`. */
export function poolConformance(
  name: string,
  create: (options: { maxWorkers: number }) => PoolExecutor,
): void {
  const it = (what: string, body: () => Promise<void>) => test(`${name} ${what}`, body);

  it("shows an inline task's name and its own line in the stack of its error", async () => {
    await using executor = create({ maxWorkers: 1 });
    function failsBelow(n: number): number {
      if (n > 0) return n;
      throw new RangeError("failed below");
    }
    const error = await executor.submit(failsBelow, 0).exception() as Error;
    // The line within the source the worker compiled (what toString gives).
    const line = String(failsBelow).split("\n").findIndex((l) => l.includes("throw")) + 1;
    const frame = error.stack!.split("\n").find((l) => l.includes("inline-task/"));
    assert.match(
      frame ?? error.stack!,
      new RegExp(`failsBelow \\(inline-task/failsBelow\\.js\\b.*:${line}:\\d+\\)$`),
    );
  });

  it("fails only the future of a task whose error has throwing getters", async () => {
    await using executor = create({ maxWorkers: 1 });
    const failing = executor.submit(() => {
      class ApiError extends Error {
        response: { data?: { message: string } } = {};
        override get message(): string {
          return this.response.data!.message;
        }
      }
      const error = new ApiError();
      Object.defineProperty(error, "status", {
        enumerable: true,
        get: () => error.response.data!.message,
      });
      throw error;
    });
    const after = executor.submit((x: number) => x + 1, 1); // the same worker
    const error = await failing.exception() as Error & { response: unknown };
    assert.ok(error instanceof Error);
    assert.match(error.message, /^\[could not read: message \(TypeError: .*; status \(TypeError/);
    assert.deepEqual(error.response, {});
    assert.equal(await after.result(), 2);
    assert.equal(await executor.submit(() => "still usable").result(), "still usable");
  });

  it("passes a task's cyclic error causes as cycles", async () => {
    await using executor = create({ maxWorkers: 1 });
    const error = await executor.submit(() => {
      const a = new Error("a");
      const b = new TypeError("b", { cause: a });
      a.cause = b;
      throw new AggregateError([a, b], "both", { cause: a });
    }).exception() as AggregateError;
    const [a, b] = error.errors as Error[];
    assert.equal(error.cause, a);
    assert.equal(a!.cause, b);
    assert.equal(b!.cause, a);
  });

  it("fails a fromModule task whose module or export is missing with an error naming it", async () => {
    await using executor = create({ maxWorkers: 1 });
    const missing = new URL("./fixtures/no_such_module.ts", import.meta.url).href;
    const gone = fromModule<{ f(): number }>(missing);
    const error = await executor.submit(gone.f).exception() as Error;
    assert.ok(error instanceof Error, String(error));
    assert.match(`${error.message} ${error.stack}`, /no_such_module/);
    const noExport = fromModule<{ nothing(): number }>(
      new URL("./fixtures/tasks.ts", import.meta.url),
    );
    const error2 = await executor.submit(noExport.nothing).exception() as Error;
    assert.ok(error2 instanceof TypeError);
    assert.match(error2.message, /no exported function named "nothing"/);
    assert.equal(await executor.submit(tasks.fib, 10).result(), 55);
  });

  it("shutdown() returns after a last submit when another worker sits idle", async () => {
    const executor = create({ maxWorkers: 2 });
    {
      await using gate = await openGate();
      const warm = [executor.submit(gated, gate.url, 1), executor.submit(gated, gate.url, 2)];
      await gate.arrived(2); // both workers started and busy
      gate.open();
      await Promise.all(warm.map((f) => f.result()));
    }
    const last = executor.submit(() => 42);
    await settlesWithin(executor.shutdown(), 30_000, "shutdown()");
    assert.equal(await last.result(), 42);
  });

  it("await using returns after fire-and-forget submits", async () => {
    const futures = [];
    {
      await using executor = create({ maxWorkers: 2 });
      await using gate = await openGate();
      futures.push(executor.submit(gated, gate.url, 1), executor.submit(gated, gate.url, 2));
      await gate.arrived(2);
      gate.open();
      await Promise.all(futures.map((f) => f.result()));
      for (let i = 0; i < 3; i++) futures.push(executor.submit((x: number) => x, i));
    }
    assert.ok(futures.every((f) => f.done()));
  });

  it("runs inline functions that call themselves by name, declared in a block or held by a const", async () => {
    await using executor = create({ maxWorkers: 1 });
    const results: number[] = [];
    if (results.length === 0) {
      // Bun's transpiler turns a function declared in a block into
      // `let fib = function (n) {…}`: its source has no name.
      // deno-lint-ignore no-inner-declarations
      function fib(n: number): number {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
      }
      results.push(await executor.submit(fib, 15).result());
    }
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    results.push(await executor.submit(fact, 5).result());
    assert.deepEqual(results, [610, 120]);
  });

  // A function's id is its source and its name: the worker binds the name,
  // so the same text under another name is another function.
  it("tells apart inline functions of the same text held by different names", async () => {
    await using executor = create({ maxWorkers: 1 });
    const depth = (n: number): number => n <= 0 ? 0 : 1 + depth(n - 1);
    const other = (n: number): number => n <= 0 ? 0 : 1 + depth(n - 1);
    assert.equal(String(other), String(depth), "the same source text");
    for (let round = 0; round < 2; round++) {
      // One after the other, as a loop submits: other must not run as depth.
      const [a, b] = [executor.submit(depth, 3), executor.submit(other, 3)];
      assert.equal(await a.result(), 3);
      const error = await b.exception();
      assert.ok(
        error instanceof ReferenceError,
        `other runs without a binding for depth: ${error}`,
      );
    }
  });

  it("compiles inline functions in strict mode, as the module they come from", async () => {
    await using executor = create({ maxWorkers: 1 });
    const self = await executor.submit(function (this: unknown) {
      return this === undefined;
    }).result();
    assert.equal(self, true);
  });

  // A chunk of numbers crosses to and from a thread packed in a
  // Float64Array, and the process codec trusts a chunk's own arrays without
  // counting their keys: neither may change a value.
  it("map() with chunksize carries every number exactly, and any other value as it would alone", async () => {
    await using executor = create({ maxWorkers: 2 });
    const odd = [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 53 + 2, -(2 ** 31), 5e-324];
    const numbers = Array.from({ length: 300 }, (_, i) => odd[i % odd.length]!);
    const described = (x: number) => Object.is(x, -0) ? "-0" : String(x);
    for (const chunksize of [1, 15, 16, 100]) {
      // There and back: what the task sees, and what it returns.
      const seen = await Array.fromAsync(executor.map(
        (x: number) => (Object.is(x, -0) ? "-0" : String(x)) + typeof x,
        numbers,
        { chunksize },
      ));
      assert.deepEqual(seen, numbers.map((x) => described(x) + "number"));
      const back = await Array.fromAsync(executor.map((x: number) => x, numbers, { chunksize }));
      assert.deepEqual(back.map(described), numbers.map(described));
    }
    // A chunk mixing numbers with other values, and an array with a named
    // property (which a structured clone keeps and JSON would drop).
    const named = Object.assign([1, 2], { label: "kept" });
    const mixed = [...Array.from({ length: 20 }, (_, i) => i), "text", named, undefined, 7n];
    const echoed = await Array.fromAsync(executor.map((x: unknown) => x, mixed, { chunksize: 30 }));
    assert.deepEqual(echoed, mixed);
    assert.equal((echoed[21] as typeof named).label, "kept");
    // Results that are all numbers for arguments that are not, and back.
    const lengths = await Array.fromAsync(executor.map(
      (s: string) => s.length,
      Array.from({ length: 40 }, (_, i) => "x".repeat(i)),
      { chunksize: 40 },
    ));
    assert.deepEqual(lengths, Array.from({ length: 40 }, (_, i) => i));
  });
}
