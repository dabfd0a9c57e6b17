// Compile-time checks of the public types: `deno check` (and the type check
// of `deno test`) fails if an inference below changes. At run time the
// assertions are trivially true; the test only proves the file loads.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type Executor,
  fromModule,
  type Future,
  type MapOptions,
  type ModuleTask,
} from "../future.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { ProcessPoolExecutor } from "../process.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

type Tasks = typeof import("./fixtures/tasks.ts");
const tasks = fromModule<Tasks>(
  new URL("./fixtures/tasks.ts", import.meta.url),
);

// Never called: only type-checked.
function checks(executor: Executor): void {
  const inline = executor.submit((x: number) => x + 1, 1);
  expectType<typeof inline, Future<number>>(true);

  const unwrapped = executor.submit(
    async (s: string) => await Promise.resolve(s.length),
    "abc",
  );
  expectType<typeof unwrapped, Future<number>>(true);

  const fib = executor.submit(tasks.fib, 30);
  expectType<typeof fib, Future<number>>(true);
  expectType<typeof tasks.fib, ModuleTask<[n: number], number>>(true);

  // A generic export loses its type parameters through fromModule (as
  // through any mapped type): its result is unknown, not string.
  const later = executor.submit(tasks.later, "x");
  expectType<typeof later, Future<unknown>>(true);

  // @ts-expect-error: fib takes a number
  executor.submit(tasks.fib, "30");
  // @ts-expect-error: add takes two arguments
  executor.submit(tasks.add, 1);
  // @ts-expect-error: an inline task's arguments are checked too
  executor.submit((x: number) => x, "1");
  // @ts-expect-error: the module has no such export
  tasks.nope;

  const mapped = executor.map((a: number, b: string) => `${a}${b}`, [1], ["x"]);
  expectType<typeof mapped, AsyncIterableIterator<string>>(true);
  const chunked = executor.map(tasks.add, [1], [2], { chunksize: 10 });
  expectType<typeof chunked, AsyncIterableIterator<number>>(true);
  // @ts-expect-error: the inputs must match the parameters
  executor.map((a: number) => a, ["x"]);

  // A wrapper forwarding optional options (exactOptionalPropertyTypes is on).
  const forward = (opts?: MapOptions, cfg?: { workers?: number; wait?: boolean }) => {
    const viaUndefined = executor.map((a: number) => a, [1], opts);
    expectType<typeof viaUndefined, AsyncIterableIterator<number>>(true);
    executor.map((a: number) => a, [1], { timeout: opts?.timeout, chunksize: opts?.chunksize });
    new ThreadPoolExecutor({ maxWorkers: cfg?.workers, threadNamePrefix: undefined });
    new ProcessPoolExecutor({ maxWorkers: cfg?.workers, denoPermissions: { net: undefined } });
    void executor.shutdown({ wait: cfg?.wait, cancelFutures: undefined });
  };
  void forward;
}

test("the public types infer as documented (checked at compile time)", () => {
  assert.equal(typeof checks, "function");
  // Both pools are Executors.
  const pools: (new () => Executor)[] = [
    ThreadPoolExecutor,
    ProcessPoolExecutor,
  ];
  assert.equal(pools.length, 2);
});
