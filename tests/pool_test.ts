// The pool core driven over fake workers (tests/_fake_transport.ts): each is a
// TaskRunner in this thread behind a transport that clones messages, so
// dispatch, the send-ahead window, foreign messages, retiring and the cancel
// ring are tested without threads or processes, and deterministically.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokenExecutor } from "../_future/errors.ts";
import type { Future } from "../_future/future.ts";
import type { PoolConfig } from "../_pool/pool.ts";
import {
  DONE_RESULTS,
  Msg,
  RESULT_STATUS,
  RUN_TASKS,
  type RunMessage,
  Status,
  TASK_ARGC,
  TASK_ARGS,
  TaskKind,
} from "../_wire/protocol.ts";
import { fakePool, until } from "./_fake_transport.ts";

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
  const { pool, workers } = fakePool({ maxWorkers: 3 });
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
  const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool();
  for (let i = 0; i < 3; i++) await pool.submit(double, [i]).result();
  const withDefs = workers[0]!.received.filter((m) => m[0] === Msg.Run && m[1] !== null);
  assert.equal(withDefs.length, 1);
  await pool.shutdown(true, false);
});

test("a result out of order breaks the pool and fails every future, none left pending", async () => {
  const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool();
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
    const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool({ maxTasksPerWorker: 2 });
  const futures = Array.from({ length: 5 }, (_, i) => pool.submit(double, [i]));
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [0, 2, 4, 6, 8]);
  assert.equal(workers.length, 3);
  const perWorker = workers.map((w) => batchSizes(w.received).reduce((a, b) => a + b, 0));
  assert.deepEqual(perWorker, [2, 2, 1]);
  await pool.shutdown(true, false);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});

test("a task sent ahead stays cancellable until the worker starts it (the cancel ring)", async () => {
  const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool();
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
  const { pool, workers } = fakePool();
  await pool.submit((a: number, b: string) => b.repeat(a), [2, "ab"]).result();
  const run = workers[0]!.received.find((m) => m[0] === Msg.Run) as RunMessage;
  assert.deepEqual(run.slice(RUN_TASKS), [0, 0, 0, 2, 2, "ab"]);
  await pool.shutdown(true, false);
});

test("shutdown() returns when the last task goes to one worker and another sits idle", async () => {
  const { pool, workers } = fakePool({ maxWorkers: 2 });
  // Two workers, both idle afterwards.
  const warm = [pool.submit(double, [1]), pool.submit(double, [2])];
  await Promise.all(warm.map((f) => f.result()));
  assert.equal(workers.length, 2);
  const last = pool.submit(double, [21]);
  await pool.shutdown(true, false);
  assert.equal(await last.result(), 42);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});

// A task that counts its runs per argument in this thread's globals (fake
// workers run here) and waits while the test holds a gate for its argument.
const counted = async (x: number) => {
  const g = globalThis as unknown as {
    runs: Map<number, number>;
    gates: Map<number, Promise<void>>;
  };
  g.runs.set(x, (g.runs.get(x) ?? 0) + 1);
  await g.gates.get(x);
  return 2 * x;
};
const scope = globalThis as unknown as {
  runs: Map<number, number>;
  gates: Map<number, Promise<void>>;
};
scope.runs = new Map();
scope.gates = new Map();

// Holds the tasks of argument `x` until the returned function is called.
function gate(x: number): () => void {
  let open!: () => void;
  scope.gates.set(x, new Promise<void>((resolve) => (open = resolve)));
  return () => {
    scope.gates.delete(x);
    open();
  };
}

// Two workers, both started and timed as quick, so tasks are sent ahead.
async function warmTwo(config: Partial<PoolConfig>) {
  const made = fakePool({ maxWorkers: 2, ...config });
  for (let round = 0; round < 5; round++) {
    await Promise.all([1, 2, 3, 4].map((i) => made.pool.submit(counted, [i]).result()));
  }
  assert.equal(made.workers.length, made.workers.length >= 2 ? made.workers.length : 2);
  scope.runs.clear();
  return made;
}

// The task ids a worker was sent, over all its Run messages.
function sentIds(received: readonly unknown[][]): number[] {
  const ids: number[] = [];
  for (const message of received.filter((m) => m[0] === Msg.Run)) {
    for (let at = RUN_TASKS; at < message.length;) {
      ids.push(message[at] as number);
      at += TASK_ARGS + (message[at + TASK_ARGC] as number);
    }
  }
  return ids;
}

for (const sharedCancel of [true, false]) {
  const how = sharedCancel ? "threads: by its slot" : "processes: the child hands it back";
  test(`an idle worker takes a task sent ahead to a busy one, which never runs it (${how})`, async () => {
    const { pool, workers } = await warmTwo({ sharedCancel });
    const open = gate(10);
    // A burst of four, two to each worker: worker 0 blocks on task 10 while
    // task 11 waits behind it; worker 1 finishes 12 and 13, then idles.
    const futures = [10, 11, 12, 13].map((i) => pool.submit(counted, [i]));
    await until(() => futures[1]!.done());
    assert.equal(futures[0]!.done(), false, "task 10 still blocks worker 0");
    assert.equal(await futures[1]!.result(), 22);
    const second = sentIds(workers[0]!.received).at(-1)!;
    assert.ok(sentIds(workers[1]!.received).includes(second), "worker 1 took task 11");
    open();
    assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [20, 22, 24, 26]);
    // Worker 0 reported the task it gave away (as Cancelled) and ran it not.
    for (const i of [10, 11, 12, 13]) assert.equal(scope.runs.get(i), 1, `task ${i} ran once`);
    await pool.shutdown(true, false);
  });

  test(`no task runs twice while idle workers take tasks from busy ones (${how})`, async () => {
    const { pool } = await warmTwo({ sharedCancel, maxWorkers: 3 });
    for (let round = 0; round < 20; round++) {
      const base = 100 * (round + 1);
      // One task of each burst blocks until the rest are done.
      const open = gate(base + (round % 7));
      const futures = Array.from({ length: 3 + round }, (_, i) => pool.submit(counted, [base + i]));
      await until(() => futures.filter((f) => f.done()).length === futures.length - 1);
      open();
      const values = await Promise.all(futures.map((f) => f.result()));
      assert.deepEqual(values, futures.map((_, i) => 2 * (base + i)));
    }
    for (const [x, runs] of scope.runs) assert.equal(runs, 1, `task ${x} ran ${runs} times`);
    await pool.shutdown(true, false);
  });
}

test("a child's hand-back reported before its answer arrives still moves the task, once", async () => {
  const { pool, workers } = await warmTwo({ sharedCancel: false });
  // The answer (fd 5) can arrive after the Cancelled report (fd 4).
  workers[0]!.holdAnswers();
  const open = gate(10);
  const futures = [10, 11, 12, 13].map((i) => pool.submit(counted, [i]));
  await until(() => futures[2]!.done() && futures[3]!.done());
  // Worker 1 went idle and asked for task 11; worker 0's claim ring gave it
  // up, but the answer is held: task 11 waits.
  const second = sentIds(workers[0]!.received).at(-1)!;
  assert.equal(futures[1]!.done(), false);
  open();
  // Worker 0 reaches task 11 and reports it Cancelled: the pool moves it.
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [20, 22, 24, 26]);
  const reported = workers[0]!.posted.flatMap((m) => m.slice(DONE_RESULTS) as unknown[]);
  const at = reported.indexOf(second);
  assert.equal(reported[at + RESULT_STATUS], Status.Cancelled, "worker 0 handed task 11 back");
  workers[0]!.releaseAnswers(); // the late answer names it: nothing more happens
  assert.equal(await pool.submit(counted, [14]).result(), 28, "the pool is whole");
  for (const i of [10, 11, 12, 13, 14]) assert.equal(scope.runs.get(i), 1, `task ${i} ran once`);
  await pool.shutdown(true, false);
});

test("a child that hands back a task it was not given breaks the pool", async () => {
  const { pool, workers } = fakePool({ sharedCancel: false });
  const future = pool.submit(double, [1]);
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  workers[0]!.inject([workers[0]!.token, Msg.Returned, 9999]);
  const error = await future.exception();
  assert.ok(error instanceof BrokenExecutor);
  assert.match(error.message, /handed back a task it was not given/);
  await pool.shutdown(true, false);
});

test("minWorkers start at construction and stay; idleTimeout ends the others, and the pool grows again", async () => {
  const { pool, workers } = fakePool({ maxWorkers: 3, minWorkers: 1, idleTimeout: 0 });
  assert.equal(workers.length, 1, "started before any submit");
  const opens = [20, 21, 22].map(gate);
  const burst = [20, 21, 22].map((i) => pool.submit(counted, [i]));
  assert.equal(workers.length, 3);
  opens.forEach((open) => open());
  await Promise.all(burst.map((f) => f.result()));
  // Idle, the two above minWorkers exit; one stays.
  await until(() => workers.filter((w) => w.stoppedWith === "close").length === 2);
  assert.equal(workers.filter((w) => w.stoppedWith === undefined).length, 1);
  assert.equal(await pool.submit(double, [5]).result(), 10);
  assert.equal(workers.length, 3, "the kept worker took it");
  // Busy again: the pool grows on demand.
  const open = gate(30);
  const held = pool.submit(counted, [30]);
  const next = pool.submit(double, [6]);
  assert.equal(workers.length, 4);
  assert.equal(await next.result(), 12);
  open();
  assert.equal(await held.result(), 60);
  await pool.shutdown(true, false);
  assert.ok(workers.every((w) => w.stoppedWith === "close"));
});

for (const sharedCancel of [true, false]) {
  const how = sharedCancel ? "threads" : "processes";
  test(`stopping a worker leaves the task taken from it to the worker that took it (${how})`, async () => {
    const { pool, workers } = await warmTwo({ sharedCancel });
    const openTen = gate(10);
    const openEleven = gate(11);
    const controller = new AbortController();
    // Worker 0 blocks on 10 with 11 behind it; 12 and 13 go to worker 1,
    // which then takes 11 and blocks on it too.
    const ten = pool.submit(counted, [10], TaskKind.Call, { signal: controller.signal });
    const rest = [11, 12, 13].map((i) => pool.submit(counted, [i]));
    await until(() => rest[1]!.done() && rest[2]!.done() && scope.runs.get(11) === 1);
    const taken = sentIds(workers[0]!.received).at(-1)!;
    assert.ok(sentIds(workers[1]!.received).includes(taken), "worker 1 took task 11");
    // Stopping worker 0 for task 10 must not send 11 out again.
    const reason = new Error("stop");
    controller.abort(reason);
    assert.equal(await ten.exception(), reason);
    await until(() => workers[0]!.stoppedWith !== undefined);
    openEleven();
    assert.equal(await rest[0]!.result(), 22);
    openTen();
    assert.equal(await pool.submit(counted, [14]).result(), 28);
    for (const i of [10, 11, 12, 13, 14]) assert.equal(scope.runs.get(i), 1, `task ${i} ran once`);
    const { tasks } = pool.stats();
    assert.equal(tasks.completed + tasks.failed + tasks.cancelled, tasks.submitted);
    await pool.shutdown(true, false);
  });
}

test("an idle thread does not take a task whose buffers went to the busy one", async () => {
  const { pool, workers } = await warmTwo({ sharedCancel: true });
  const open = gate(10);
  const buffer = new ArrayBuffer(8);
  // Worker 0 blocks on 10 with 11 (and its transferred buffer) behind it;
  // worker 1 runs 12 and 13, then idles: 11 must stay where its buffer is.
  const ten = pool.submit(counted, [10]);
  const eleven = pool.submit(counted, [11, buffer], TaskKind.Call, { transfer: [buffer] });
  const rest = [12, 13].map((i) => pool.submit(counted, [i]));
  await until(() => rest.every((f) => f.done()));
  assert.equal(buffer.byteLength, 0, "the buffer went to worker 0");
  const id = sentIds(workers[0]!.received).at(-1)!;
  assert.ok(!sentIds(workers[1]!.received).includes(id), "worker 1 left task 11 alone");
  open();
  assert.equal(await ten.result(), 20);
  assert.equal(await eleven.result(), 22);
  await pool.shutdown(true, false);
});
