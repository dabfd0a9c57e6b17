// Compile-time checks of the public types: `deno check` (and the type check
// of `deno test`) fails if an inference below changes. At run time the
// assertions are trivially true; the test only proves the file loads.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  type DoneAndNotDone,
  type Executor,
  fromModule,
  type Future,
  type MapOptions,
  type ModuleTask,
  type Task,
  transfer,
  wait,
} from "../future.ts";
import {
  type ExecutorStats,
  type Percentiles,
  type PoolEventMap,
  ThreadPoolExecutor,
  type ThreadPoolExecutorOptions,
  type WorkerExitReason,
} from "../thread.ts";
import { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from "../process.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

type Tasks = typeof import("./fixtures/tasks.ts");
const tasks = fromModule<Tasks>(
  new URL("./fixtures/tasks.ts", import.meta.url),
);

// Generic tasks: self-contained, so they can run in a worker.
function identity<T>(value: T): T {
  return value;
}
function pair<A, B>(a: A, b: B): [A, B] {
  return [a, b];
}
const echo = async <T>(value: T): Promise<T> => await Promise.resolve(value);

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
  // A reference has the export's own type.
  expectType<typeof tasks.fib, (n: number) => number>(true);
  // A reference typed by hand is a task too.
  const byHand = (task: ModuleTask<[n: number], number>) => executor.submit(task, 1);
  expectType<ReturnType<typeof byHand>, Future<number>>(true);
  const asTask: Task<[n: number], number> = tasks.fib;
  void asTask;

  // A generic export keeps its type parameters through fromModule.
  const later = executor.submit(tasks.later, "x");
  expectType<typeof later, Future<string>>(true);
  const firstOf = executor.submit(tasks.first, [1, 2]);
  expectType<typeof firstOf, Future<number>>(true);
  // @ts-expect-error: first's argument is an array
  executor.submit(tasks.first, 1);

  // @ts-expect-error: fib takes a number
  executor.submit(tasks.fib, "30");
  // @ts-expect-error: add takes two arguments
  executor.submit(tasks.add, 1);
  // @ts-expect-error: an inline task's arguments are checked too
  executor.submit((x: number) => x, "1");
  // @ts-expect-error: the module has no such export
  tasks.nope;

  // A generic function keeps its type parameters through submit and map.
  const same = executor.submit(identity, 5);
  expectType<typeof same, Future<number>>(true);
  const paired = executor.submit(pair, 1, "x");
  expectType<typeof paired, Future<[number, string]>>(true);
  const echoed = executor.submit(echo, true);
  expectType<typeof echoed, Future<boolean>>(true);
  // @ts-expect-error: the result is a number, not a string
  const notString: Future<string> = executor.submit(identity, 5);
  void notString;
  const pairs = executor.map(pair, [1, 2], ["a", "b"]);
  expectType<typeof pairs, AsyncIterableIterator<[number, string]>>(true);
  const firsts = executor.map(tasks.first, [[1], [2]], { chunksize: 2 });
  expectType<typeof firsts, AsyncIterableIterator<number>>(true);
  const laters = executor.map(tasks.later, ["a"]);
  expectType<typeof laters, AsyncIterableIterator<string>>(true);
  // @ts-expect-error: first's inputs are arrays
  executor.map(tasks.first, [1, 2]);

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

// Per-call options, transfer, stats and events. Never called.
function control(pool: ThreadPoolExecutor): void {
  const view = pool.with({ signal: AbortSignal.timeout(1000), timeLimit: 50 });
  const viaView = view.submit((x: number) => x + 1, 1);
  expectType<typeof viaView, Future<number>>(true);
  const mappedView = view.map((x: number) => `${x}`, [1]);
  expectType<typeof mappedView, AsyncIterableIterator<string>>(true);
  // Generic tasks through a view, on both kinds of pool and the base class.
  const sameView = view.submit(identity, 5);
  expectType<typeof sameView, Future<number>>(true);
  const firstView = view.submit(tasks.first, ["a"]);
  expectType<typeof firstView, Future<string>>(true);
  const pairsView = view.map(pair, [1], [true]);
  expectType<typeof pairsView, AsyncIterableIterator<[number, boolean]>>(true);
  const processes = new ProcessPoolExecutor().with({ timeLimit: 10 });
  const laterView = processes.submit(tasks.later, 1n);
  expectType<typeof laterView, Future<bigint>>(true);
  const direct = pool.submit(pair, "a", 1);
  expectType<typeof direct, Future<[string, number]>>(true);
  const viaBase = (pool as Executor).with({}).map(identity, ["a"]);
  expectType<typeof viaBase, AsyncIterableIterator<string>>(true);
  // @ts-expect-error: the view checks a generic task's arguments too
  view.submit(tasks.first, "a");
  // transfer() keeps the value's type: the future holds the array itself.
  const moved = pool.submit((n: number) => {
    const out = new Float64Array(n);
    return transfer(out, [out.buffer]);
  }, 8);
  expectType<typeof moved, Future<Float64Array<ArrayBuffer>>>(true);
  const stats: ExecutorStats = pool.stats();
  expectType<typeof stats.tasks.completed, number>(true);
  expectType<typeof stats.runTime, Percentiles | null>(true);
  pool.addEventListener("workerexit", (event) => {
    expectType<typeof event.detail.reason, WorkerExitReason>(true);
  });
  pool.addEventListener("drain", (event) => {
    expectType<typeof event, PoolEventMap["drain"]>(true);
  });
  pool.addEventListener("backpressure", (event) => {
    expectType<typeof event.detail.queued, number>(true);
  });
  pool.addEventListener("ready", (event) => {
    expectType<typeof event, PoolEventMap["ready"]>(true);
  });
  expectType<ReturnType<typeof pool.whenReady>, Promise<void>>(true);
  new ThreadPoolExecutor({ maxQueue: Infinity });
  // @ts-expect-error: maxQueue is a number of tasks
  new ProcessPoolExecutor({ maxQueue: "auto" });
  // @ts-expect-error: no such event
  pool.addEventListener("nope", () => {});
  // @ts-expect-error: timeLimit is a number of milliseconds
  pool.with({ timeLimit: "1s" });
}

// initargs is checked against the initializer's parameters. Never called.
function initializers(): void {
  const salt = (salt: string, rounds: number) => void [salt, rounds];
  new ThreadPoolExecutor({ initializer: salt, initargs: ["pepper", 2] });
  new ProcessPoolExecutor({ initializer: salt, initargs: ["pepper", 2] });
  new ThreadPoolExecutor({ initializer: tasks.add, initargs: [1, 2] });
  new ThreadPoolExecutor({ initializer: () => {} });
  // Without an initializer, initargs is not checked (as in Python).
  new ProcessPoolExecutor({ initargs: [1] });
  const options: ThreadPoolExecutorOptions<[salt: string]> = {
    initializer: (s: string) => void s,
    initargs: ["pepper"],
  };
  new ThreadPoolExecutor(options);
  const processOptions: ProcessPoolExecutorOptions<[n: number]> = {
    initializer: tasks.fib,
    initargs: [1],
  };
  new ProcessPoolExecutor(processOptions);
  // A plain options type still takes any initializer.
  const loose: ThreadPoolExecutorOptions = { initializer: salt, initargs: [] };
  new ThreadPoolExecutor(loose);

  // @ts-expect-error: salt's first parameter is a string
  new ThreadPoolExecutor({ initializer: salt, initargs: [42, 2] });
  // @ts-expect-error: the same for a process pool
  new ProcessPoolExecutor({ initializer: salt, initargs: [42, 2] });
  // @ts-expect-error: salt takes two arguments
  new ThreadPoolExecutor({ initializer: salt, initargs: ["pepper"] });
  // @ts-expect-error: a module export is checked the same way
  new ProcessPoolExecutor({ initializer: tasks.fib, initargs: ["1"] });
  const wrong: ProcessPoolExecutorOptions<[salt: string]> = {
    initializer: (s: string) => void s,
    // @ts-expect-error: the options type checks initargs too
    initargs: [42],
  };
  void wrong;
}

// Futures of different result types need no type argument. Never called.
async function mixed(executor: Executor): Promise<void> {
  const count = executor.submit((s: string) => s.length, "abc");
  const name = executor.submit((s: string) => s.toUpperCase(), "abc");
  const { done, notDone } = await wait([count, name]);
  expectType<typeof done, Set<Future<number> | Future<string>>>(true);
  expectType<typeof notDone, Set<Future<number> | Future<string>>>(true);
  for (const future of done) {
    const value = await future.result();
    expectType<typeof value, number | string>(true);
  }
  // The Map idiom: the futures come back as they were given.
  const labels = new Map<Future<number> | Future<string>, string>([[count, "count"]]);
  for await (const future of asCompleted([count, name])) {
    expectType<typeof future, Future<number> | Future<string>>(true);
    labels.get(future);
  }
  // One result type still gives Future<T>, and a type argument still works.
  const same = await wait([count, count]);
  expectType<typeof same, DoneAndNotDone<number>>(true);
  for await (const future of asCompleted<number>([count])) {
    expectType<typeof future, Future<number>>(true);
  }
  // @ts-expect-error: only futures can be waited for
  await wait([1, 2]);
}

test("the public types infer as documented (checked at compile time)", () => {
  assert.equal(typeof checks, "function");
  assert.equal(typeof mixed, "function");
  assert.equal(typeof control, "function");
  assert.equal(typeof initializers, "function");
  // Both pools are Executors.
  const pools: (new () => Executor)[] = [
    ThreadPoolExecutor,
    ProcessPoolExecutor,
  ];
  assert.equal(pools.length, 2);
});
