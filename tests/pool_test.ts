// The pool core driven over fake workers (tests/_fake_transport.ts): each is a
// TaskRunner in this thread behind a transport that clones messages, so
// dispatch, the send-ahead window, foreign messages, retiring and the cancel
// ring are tested without threads or processes, and deterministically.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokenExecutor } from "../_future/errors.ts";
import type { Future } from "../_future/future.ts";
import { Pool, type PoolConfig } from "../_pool/pool.ts";
import { Msg, RUN_TASKS, type RunMessage, TASK_ARGC, TASK_ARGS } from "../_wire/protocol.ts";
import { fakeWorkers } from "./_fake_transport.ts";

function makePool(config: Partial<PoolConfig> = {}) {
  const { start, workers } = fakeWorkers();
  const pool = new Pool({
    what: "test pool",
    maxWorkers: 1,
    namePrefix: "Fake",
    initializer: undefined,
    initargs: [],
    maxTasksPerWorker: undefined,
    sharedCancel: true,
    broken: (message, init) => new BrokenExecutor(message, init),
    start,
    ...config,
  });
  return { pool, workers };
}

// Lets queued microtasks and message deliveries run until `check` holds: a
// wait for a state, never for a guessed delay.
async function until(check: () => boolean): Promise<void> {
  for (let turns = 0; !check(); turns++) {
    if (turns > 10_000) throw new Error("condition never held");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// How many tasks each Run message a worker received carried.
function batchSizes(received: readonly unknown[][]): number[] {
  return received.filter((m) => m[0] === Msg.Run).map((message) => {
    let count = 0;
    for (let at = RUN_TASKS; at < message.length; count++) {
      at += TASK_ARGS + (message[at + TASK_ARGC] as number);
    }
    return count;
  });
}

const double = (x: number) => 2 * x;

test("Pool starts a worker per submit while none is idle and spreads a burst over them", async () => {
  const { pool, workers } = makePool({ maxWorkers: 3 });
  const futures = Array.from({ length: 12 }, (_, i) => pool.submit(double, [i]));
  assert.equal(workers.length, 3);
  const results = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(results, futures.map((_, i) => 2 * i));
  for (const worker of workers) {
    assert.equal(worker.received[0]![0], Msg.Init);
    assert.ok(batchSizes(worker.received).length > 0, `${worker.name} got no task`);
  }
  await pool.shutdown(true, false);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});

test("Pool sends a new worker one task at a time until its tasks are timed, then several", async () => {
  const { pool, workers } = makePool();
  const first = Array.from({ length: 5 }, (_, i) => pool.submit(double, [i]));
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  // Nothing is sent ahead of a task whose cost is unknown, as in Python.
  assert.deepEqual(batchSizes(workers[0]!.received), [1]);
  workers[0]!.release();
  await Promise.all(first.map((f) => f.result()));
  const more = Array.from({ length: 20 }, (_, i) => pool.submit(double, [i]));
  await Promise.all(more.map((f) => f.result()));
  // Quick tasks, once timed, travel several to a message.
  assert.ok(Math.max(...batchSizes(workers[0]!.received)) >= 2);
  await pool.shutdown(true, false);
});

test("Pool sends a function's definition to a worker once", async () => {
  const { pool, workers } = makePool();
  for (let i = 0; i < 3; i++) await pool.submit(double, [i]).result();
  const withDefs = workers[0]!.received.filter((m) => m[0] === Msg.Run && m[1] !== null);
  assert.equal(withDefs.length, 1);
  await pool.shutdown(true, false);
});

test("a result out of order breaks the pool and fails every future, none left pending", async () => {
  const { pool, workers } = makePool();
  const futures = [pool.submit(double, [1]), pool.submit(double, [2])];
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  workers[0]!.inject([workers[0]!.token, Msg.Done, 0, 12345, 0, "forged"]);
  for (const future of futures) {
    const error = await future.exception();
    assert.ok(error instanceof BrokenExecutor, String(error));
    assert.match(error.message, /out of order/);
  }
  assert.throws(() => pool.submit(double, [3]), BrokenExecutor);
  await pool.shutdown(true, false);
});

test("a task's own messages (no token) are ignored: the pool goes on", async () => {
  const { pool, workers } = makePool();
  const future = pool.submit(double, [1]);
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  for (
    const stray of [null, undefined, "50%", [99, 1], { type: "progress" }, [Msg.Done, 0, 0, 0, 7]]
  ) {
    workers[0]!.inject(stray);
  }
  workers[0]!.release();
  assert.equal(await future.result(), 2);
  assert.equal(await pool.submit(double, [2]).result(), 4);
  await pool.shutdown(true, false);
});

test("a message with the worker's token but not the protocol's shape breaks the pool cleanly", async () => {
  for (
    const shape of [[], [Msg.Done], [Msg.Done, "busy"], [99], [Msg.Fatal, {}], [Msg.Done, 0, 1]]
  ) {
    const { pool, workers } = makePool();
    const future = pool.submit(double, [1]);
    workers[0]!.hold();
    await until(() => workers[0]!.received.length >= 2);
    workers[0]!.inject([workers[0]!.token, ...shape]);
    const error = await future.exception();
    assert.ok(error instanceof BrokenExecutor, `${JSON.stringify(shape)}: ${error}`);
    await pool.shutdown(true, false);
  }
});

test("a worker retired after maxTasksPerWorker is replaced, and every task runs once", async () => {
  const { pool, workers } = makePool({ maxTasksPerWorker: 2 });
  const futures = Array.from({ length: 5 }, (_, i) => pool.submit(double, [i]));
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [0, 2, 4, 6, 8]);
  assert.equal(workers.length, 3);
  const perWorker = workers.map((w) => batchSizes(w.received).reduce((a, b) => a + b, 0));
  assert.deepEqual(perWorker, [2, 2, 1]);
  await pool.shutdown(true, false);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});

test("a task sent ahead stays cancellable until the worker starts it (the cancel ring)", async () => {
  const { pool, workers } = makePool();
  await pool.submit(double, [0]).result(); // times the function: quick
  const worker = workers[0]!;
  worker.hold();
  const futures: Future<unknown>[] = [1, 2, 3].map((i) => pool.submit(double, [i]));
  await until(() => batchSizes(worker.received).length >= 2);
  assert.deepEqual(batchSizes(worker.received).slice(1), [3], "all three sent ahead");
  assert.equal(futures[1]!.state, "pending");
  assert.equal(futures[1]!.cancel(), true);
  worker.release();
  assert.equal(await futures[0]!.result(), 2);
  assert.equal(await futures[2]!.result(), 6);
  assert.equal(futures[1]!.state, "cancelled");
  // Once started, a task can no longer be cancelled.
  assert.equal(futures[0]!.cancel(), false);
  await pool.shutdown(true, false);
});

test("a worker that dies fails what it was running and breaks the pool", async () => {
  const { pool, workers } = makePool();
  const future = pool.submit(double, [1]);
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  workers[0]!.exit({ code: 3, signal: null });
  const error = await future.exception();
  assert.ok(error instanceof BrokenExecutor);
  assert.match(String((error.cause as Error).message), /exited with code 3/);
  await pool.shutdown(true, false);
});

test("shutdown(cancelFutures) cancels queued and sent-ahead tasks, and waits for the running one", async () => {
  const { pool, workers } = makePool();
  await pool.submit(double, [0]).result();
  const worker = workers[0]!;
  worker.hold();
  const futures = [1, 2, 3].map((i) => pool.submit(double, [i]));
  await until(() => batchSizes(worker.received).length >= 2);
  const done = pool.shutdown(true, true);
  assert.deepEqual(futures.map((f) => f.cancelled()), [true, true, true]);
  worker.release();
  await done;
  assert.equal(worker.stoppedWith, "close");
});

test("a Run message keeps the named layout: id, fn, kind, argc, args", async () => {
  const { pool, workers } = makePool();
  await pool.submit((a: number, b: string) => b.repeat(a), [2, "ab"]).result();
  const run = workers[0]!.received.find((m) => m[0] === Msg.Run) as RunMessage;
  assert.deepEqual(run.slice(RUN_TASKS), [0, 0, 0, 2, 2, "ab"]);
  await pool.shutdown(true, false);
});

test("shutdown() returns when the last task goes to one worker and another sits idle", async () => {
  const { pool, workers } = makePool({ maxWorkers: 2 });
  // Two workers, both idle afterwards.
  const warm = [pool.submit(double, [1]), pool.submit(double, [2])];
  await Promise.all(warm.map((f) => f.result()));
  assert.equal(workers.length, 2);
  const last = pool.submit(double, [21]);
  await pool.shutdown(true, false);
  assert.equal(await last.result(), 42);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});
