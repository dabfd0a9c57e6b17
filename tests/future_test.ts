// Future: the state machine of CPython's _base.py (test_future.py), with
// promise-returning waits.

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { inspect } from "node:util";
import {
  BrokenExecutor,
  CancelledError,
  Future,
  InvalidStateError,
  TimeoutError,
} from "../future.ts";
import { BrokenThreadPool } from "../thread.ts";
import { BrokenProcessPool } from "../process.ts";

function running<T>(): Future<T> {
  const future = new Future<T>();
  future.setRunningOrNotifyCancel();
  return future;
}

function cancelled<T>(): Future<T> {
  const future = new Future<T>();
  future.cancel();
  return future;
}

function finished<T>(value: T): Future<T> {
  const future = new Future<T>();
  future.setResult(value);
  return future;
}

function failed<T>(error: unknown): Future<T> {
  const future = new Future<T>();
  future.setException(error);
  return future;
}

/** Replaces console.error while `body` runs and returns what it printed. */
async function captureConsoleError(body: () => unknown): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void calls.push(args);
  try {
    await body();
  } finally {
    console.error = original;
  }
  return calls;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("Future starts pending", () => {
  const future = new Future<number>();
  assert.equal(future.state, "pending");
  assert.equal(future.done(), false);
  assert.equal(future.running(), false);
  assert.equal(future.cancelled(), false);
});

test("Future.cancel() on a pending future cancels it and runs its callbacks once", () => {
  const future = new Future<number>();
  const seen: string[] = [];
  future.addDoneCallback((f) => seen.push(f.state));
  assert.equal(future.cancel(), true);
  assert.equal(future.cancel(), true);
  assert.deepEqual(seen, ["cancelled"]);
  assert.equal(future.state, "cancelled");
  assert.equal(future.done(), true);
  assert.equal(future.cancelled(), true);
});

test("Future.cancel() on a running or finished future returns false", () => {
  const active = running<number>();
  assert.equal(active.cancel(), false);
  assert.equal(active.state, "running");
  assert.equal(finished(1).cancel(), false);
  assert.equal(failed(new Error("x")).cancel(), false);
});

test("Future.running() and done() follow the state", () => {
  const future = running<number>();
  assert.equal(future.running(), true);
  assert.equal(future.done(), false);
  future.setResult(1);
  assert.equal(future.running(), false);
  assert.equal(future.done(), true);
  assert.equal(future.state, "finished");
});

test("Future.result() resolves with the value set later", async () => {
  const future = new Future<string>();
  const result = future.result();
  queueMicrotask(() => future.setResult("later"));
  assert.equal(await result, "later");
});

test("Future.result() rejects with the task's error, the same object each time", async () => {
  const error = new RangeError("boom");
  const future = failed<number>(error);
  await assert.rejects(future.result(), (e) => e === error);
  await assert.rejects(future.result(), (e) => e === error);
  assert.equal(await future.exception(), error);
});

test("Future.result() rejects with CancelledError when cancelled while waiting", async () => {
  const future = new Future<number>();
  const result = future.result();
  future.cancel();
  await assert.rejects(result, CancelledError);
  await assert.rejects(future.exception(), CancelledError);
});

test("Future.result({ timeout: 0 }) checks the state without waiting", async () => {
  await assert.rejects(new Future().result({ timeout: 0 }), TimeoutError);
  await assert.rejects(running().result({ timeout: 0 }), TimeoutError);
  await assert.rejects(cancelled().result({ timeout: 0 }), CancelledError);
  await assert.rejects(
    failed(new TypeError("t")).result({ timeout: 0 }),
    TypeError,
  );
  assert.equal(await finished(42).result({ timeout: 0 }), 42);
});

test("Future.exception({ timeout: 0 }) checks the state without waiting", async () => {
  await assert.rejects(new Future().exception({ timeout: 0 }), TimeoutError);
  await assert.rejects(cancelled().exception({ timeout: 0 }), CancelledError);
  assert.ok(
    (await failed(new TypeError("t")).exception({ timeout: 0 })) instanceof
      TypeError,
  );
  assert.equal(await finished(42).exception({ timeout: 0 }), undefined);
});

test("Future.result() times out on a future that is never settled", async () => {
  const future = new Future<number>();
  await assert.rejects(future.result({ timeout: 5 }), TimeoutError);
  await assert.rejects(future.exception({ timeout: 5 }), TimeoutError);
  future.setResult(3); // a timed-out wait leaves the future alone
  assert.equal(await future.result(), 3);
});

test("Future.result() with an Infinity timeout waits as long as it takes", async () => {
  const future = new Future<number>();
  const result = future.result({ timeout: Infinity });
  queueMicrotask(() => future.setResult(7));
  assert.equal(await result, 7);
});

test("Future counts a falsy exception as a failure", async () => {
  for (const value of [0, "", null, false]) {
    const future = failed<number>(value);
    await assert.rejects(future.result(), (e) => e === value);
    assert.equal(await future.exception(), value);
  }
});

test("Future.addDoneCallback() runs callbacks in registration order", () => {
  const future = new Future<number>();
  const order: number[] = [];
  future.addDoneCallback(() => order.push(1));
  future.addDoneCallback(() => order.push(2));
  future.addDoneCallback(() => order.push(3));
  future.setResult(0);
  assert.deepEqual(order, [1, 2, 3]);
});

test("Future.addDoneCallback() on a done future runs at once, synchronously", () => {
  for (const future of [finished(5), failed(new Error("x")), cancelled()]) {
    let seen: Future<unknown> | undefined;
    future.addDoneCallback((f) => (seen = f));
    assert.equal(seen, future);
  }
});

test("Future.addDoneCallback() reports a throwing callback and still runs the next", async () => {
  const future = new Future<number>();
  const order: string[] = [];
  future.addDoneCallback(() => {
    throw new Error("doh!");
  });
  future.addDoneCallback(() => order.push("second"));
  const calls = await captureConsoleError(() => future.setResult(1));
  assert.deepEqual(order, ["second"]);
  assert.equal(calls.length, 1);
  assert.ok(
    calls[0]!.some((arg) => arg instanceof Error && arg.message === "doh!"),
  );
  const late = await captureConsoleError(() =>
    future.addDoneCallback(() => {
      throw new Error("late");
    })
  );
  assert.equal(late.length, 1);
});

test("Future.addDoneCallback() rejects a non-function with TypeError", () => {
  assert.throws(
    () => new Future().addDoneCallback(5 as unknown as () => void),
    TypeError,
  );
});

test("Future.setResult() and setException() on a done future throw InvalidStateError; the first value wins", async () => {
  const future = finished(1);
  assert.throws(() => future.setResult(2), InvalidStateError);
  assert.throws(() => future.setException(new Error()), InvalidStateError);
  assert.equal(await future.result(), 1);
  const error = new Error("first");
  const bad = failed<number>(error);
  assert.throws(() => bad.setException(new Error("second")), InvalidStateError);
  assert.equal(await bad.exception(), error);
  assert.throws(() => cancelled().setResult(1), InvalidStateError);
});

test("Future.setRunningOrNotifyCancel() gates the start of a task", () => {
  assert.equal(new Future().setRunningOrNotifyCancel(), true);
  assert.equal(cancelled().setRunningOrNotifyCancel(), false);
  assert.throws(() => running().setRunningOrNotifyCancel(), InvalidStateError);
  assert.throws(
    () => finished(1).setRunningOrNotifyCancel(),
    InvalidStateError,
  );
});

test("Future finished directly from pending is legal, as in Python", async () => {
  const future = new Future<number>();
  future.setResult(9);
  assert.equal(await future.result(), 9);
});

test("Future never causes an unhandled rejection when nobody reads it", async () => {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", listener);
  try {
    failed(new Error("ignored"));
    const waitedOn = new Future<number>();
    waitedOn.addDoneCallback(() => {});
    waitedOn.setException(new Error("also ignored"));
    await turn();
    await turn();
  } finally {
    process.off("unhandledRejection", listener);
  }
  assert.deepEqual(unhandled, []);
});

test("Future is not thenable, so await passes it through", async () => {
  const future = finished(1);
  assert.equal("then" in future, false);
  assert.equal(await Promise.resolve(future), future);
});

test("Future.toString() describes the state and outcome", () => {
  assert.equal(String(new Future()), "Future<pending>");
  assert.equal(String(running()), "Future<running>");
  assert.equal(String(cancelled()), "Future<cancelled>");
  assert.equal(String(finished(1)), "Future<finished: returned number>");
  assert.equal(
    String(failed(new TypeError())),
    "Future<finished: raised TypeError>",
  );
});

test("Future.result() rejects bad timeouts", async () => {
  await assert.rejects(new Future().result({ timeout: -1 }), RangeError);
  await assert.rejects(new Future().result({ timeout: NaN }), RangeError);
  await assert.rejects(
    new Future().result({ timeout: "1" as unknown as number }),
    TypeError,
  );
  await assert.rejects(
    new Future().exception(1 as unknown as { timeout: number }),
    TypeError,
  );
});

test("Future.result() and exception() refuse an unknown option", async () => {
  const future = new Future<number>();
  future.setResult(1);
  await assert.rejects(
    future.result({ timeOut: 5 } as unknown as { timeout: number }),
    /^TypeError: Cannot get result: unknown option "timeOut", expected one of timeout$/,
  );
  await assert.rejects(
    future.exception({ timeOut: 5 } as unknown as { timeout: number }),
    /^TypeError: Cannot get exception: unknown option "timeOut", expected one of timeout$/,
  );
});

test("error classes set their name and extend the right base", () => {
  const errors: [Error, string][] = [
    [new CancelledError(), "CancelledError"],
    [new TimeoutError(), "TimeoutError"],
    [new InvalidStateError(), "InvalidStateError"],
    [new BrokenExecutor(), "BrokenExecutor"],
    [new BrokenThreadPool(), "BrokenThreadPool"],
    [new BrokenProcessPool(), "BrokenProcessPool"],
  ];
  for (const [error, name] of errors) {
    assert.ok(error instanceof Error);
    assert.equal(error.name, name);
  }
  assert.ok(new BrokenThreadPool() instanceof BrokenExecutor);
  assert.ok(new BrokenProcessPool() instanceof BrokenExecutor);
  assert.equal(new BrokenThreadPool("x", { cause: 1 }).cause, 1);
});

test("console.log shows a future's state, and its result or error once done", () => {
  // node:util's inspect (Bun, Node.js, and Deno's node:util) and Deno's own
  // inspect, which console.log uses there.
  const deno = (globalThis as { Deno?: { inspect(value: unknown): string } }).Deno;
  const shows = (future: Future<unknown>) =>
    deno ? [inspect(future), deno.inspect(future)] : [inspect(future)];
  const pending = new Future<number>();
  for (const text of shows(pending)) assert.equal(text, 'Future { state: "pending" }');
  pending.setResult(42);
  for (const text of shows(pending)) {
    assert.equal(text, 'Future { state: "finished", result: 42 }');
  }
  const failed = new Future<number>();
  failed.setException(new RangeError("too big"));
  for (const text of shows(failed)) {
    assert.match(text, /^Future \{ state: "finished", error: RangeError: too big\n/);
  }
  const cancelled = new Future<number>();
  cancelled.cancel();
  for (const text of shows(cancelled)) assert.equal(text, 'Future { state: "cancelled" }');
  const nested = new Future<unknown>();
  nested.setResult({ list: [1, "a"] });
  for (const text of shows(nested)) {
    assert.match(text, /^Future \{ state: "finished", result: \{ list: \[ 1, ["']a["'] \] \} \}$/);
  }
});
