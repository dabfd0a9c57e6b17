// Overload at the pool's seam (tests/_fake_transport.ts): maxQueue counts
// only what waits in the pool's queue, a cancelled task frees its place at
// once, the water marks fire backpressure/ready and release whenReady(), and
// stats() reads counters instead of walking the queue, and still adds up.

import assert from "node:assert/strict";
import { test } from "node:test";
import { QueueFullError } from "../_future/errors.ts";
import { Future } from "../_future/future.ts";
import { TaskQueue } from "../_pool/queue.ts";
import type { Pool } from "../_pool/pool.ts";
import type { Job } from "../_pool/worker_handle.ts";
import { TaskKind } from "../_wire/protocol.ts";
import { QueueFullError as Exported } from "../mod.ts";
import { fakePool, until } from "./_fake_transport.ts";

const double = (x: number) => 2 * x;

// Every task is in exactly one state, at every moment.
function assertAddsUp(pool: Pool): void {
  const { submitted, queued, running, completed, failed, cancelled } = pool.stats().tasks;
  assert.ok(cancelled >= 0, `cancelled is ${cancelled}`);
  assert.equal(queued + running + completed + failed + cancelled, submitted);
}

test("maxQueue refuses the task beyond it with QueueFullError, which names the limit", async () => {
  const { pool, workers } = fakePool({ maxQueue: 3 });
  const accepted = [0, 1, 2].map((i) => pool.submit(double, [i]));
  let error: unknown;
  try {
    pool.submit(double, [3]);
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof QueueFullError);
  assert.equal(Exported, QueueFullError); // mod.ts exports this very class
  assert.equal((error as Error).name, "QueueFullError");
  assert.match((error as Error).message, /^Cannot submit task: .*queue is full .*maxQueue is 3/);
  assert.equal(pool.stats().tasks.submitted, 3); // the refused one was never made
  // Sent to the worker (which holds it): no longer waiting, so there is room.
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  assert.equal(pool.backlog.size, 2);
  const fourth = pool.submit(double, [3]);
  assertAddsUp(pool);
  workers[0]!.release();
  assert.deepEqual(
    await Promise.all([...accepted, fourth].map((f) => f.result())),
    [0, 2, 4, 6],
  );
  assertAddsUp(pool);
  await pool.shutdown(true, false);
});

test("a queued task that is cancelled frees its place at once, and the counts still add up", async () => {
  const { pool, workers } = fakePool({ maxQueue: 2 });
  // The first task is sent to the worker, which holds it: it counts as
  // queued in stats() (not started) but does not wait in the pool's queue.
  const running = pool.submit(double, [0]);
  workers[0]!.hold();
  await until(() => workers[0]!.received.length >= 2);
  const queued = [pool.submit(double, [1]), pool.submit(double, [2])];
  assert.throws(() => pool.submit(double, [3]), QueueFullError);
  assert.equal(pool.backlog.size, 2);
  assert.equal(pool.stats().tasks.queued, 3);
  assert.ok(queued[0]!.cancel());
  assert.equal(pool.backlog.size, 1);
  assert.equal(pool.stats().tasks.queued, 2);
  assert.equal(pool.stats().tasks.cancelled, 1);
  assertAddsUp(pool);
  const replacement = pool.submit(double, [4]); // the cancelled one's place
  const aborted = new AbortController();
  assert.throws(() => pool.submit(double, [5]), QueueFullError);
  queued[1]!.cancel();
  const viaSignal = pool.submit(double, [6], TaskKind.Call, { signal: aborted.signal });
  aborted.abort();
  assert.ok(viaSignal.cancelled());
  assert.equal(pool.backlog.size, 1);
  assertAddsUp(pool);
  workers[0]!.release();
  assert.equal(await running.result(), 0);
  assert.equal(await replacement.result(), 8);
  assertAddsUp(pool);
  assert.deepEqual(pool.stats().tasks, {
    submitted: 5,
    queued: 0,
    running: 0,
    completed: 2,
    failed: 0,
    cancelled: 3,
  });
  await pool.shutdown(true, false);
});

test("stats() reads counters: it does not look at each queued task", async () => {
  const { pool, workers } = fakePool({ maxQueue: Infinity });
  pool.submit(double, [0]);
  workers[0]!.hold(); // the worker takes it but never starts it
  await until(() => workers[0]!.received.length >= 2);
  const futures = Array.from({ length: 5000 }, (_, i) => pool.submit(double, [i]));
  for (let i = 0; i < futures.length; i += 2) futures[i]!.cancel();
  const done = Future.prototype.done;
  let calls = 0;
  Future.prototype.done = function (this: Future<unknown>) {
    calls++;
    return done.call(this);
  };
  let stats;
  try {
    stats = pool.stats();
  } finally {
    Future.prototype.done = done;
  }
  // The walk over 5000 queued tasks asked each whether it was done; what is
  // left is the worker's window (one task here).
  assert.ok(calls <= 4, `stats() asked ${calls} futures`);
  assert.equal(stats.tasks.queued, 2501); // and the one the worker holds, not begun
  assertAddsUp(pool);
  workers[0]!.release();
  await pool.shutdown(true, true);
  assertAddsUp(pool);
  assert.equal(pool.stats().tasks.queued, 0);
});

test("backpressure fires at maxQueue, ready below half of it, and whenReady() waits for it", async () => {
  const { pool, workers } = fakePool({ maxQueue: 4 });
  assert.equal(pool.backlog.onCrossing, undefined); // nobody listens: nothing made
  const seen: string[] = [];
  for (const type of ["backpressure", "ready"]) {
    pool.events.addEventListener(type, (event) => {
      seen.push(`${type} ${(event as CustomEvent<{ queued: number }>).detail.queued}`);
    });
  }
  let ready = false;
  await pool.backlog.whenReady(); // not full: at once
  pool.submit(double, [0]);
  workers[0]!.hold(); // the worker takes it but never starts it
  await until(() => workers[0]!.received.length >= 2);
  const futures = [1, 2, 3, 4].map((i) => pool.submit(double, [i]));
  assert.ok(pool.backlog.full);
  const whenReady = pool.backlog.whenReady().then(() => (ready = true));
  await until(() => seen.length === 1);
  assert.deepEqual(seen, ["backpressure 4"]);
  assert.equal(ready, false);
  futures[0]!.cancel(); // 3 wait: still full until below the low mark (2)
  futures[1]!.cancel();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ready, false);
  assert.deepEqual(seen, ["backpressure 4"]);
  futures[2]!.cancel(); // 1 waits
  await whenReady;
  assert.deepEqual(seen, ["backpressure 4", "ready 1"]);
  workers[0]!.release();
  await futures[3]!.result();
  await pool.shutdown(true, false);
});

test("whenReady() resolves when the pool shuts down with cancelFutures", async () => {
  const { pool, workers } = fakePool({ maxQueue: 1 });
  pool.submit(double, [0]);
  workers[0]!.hold(); // the worker takes it but never starts it
  await until(() => workers[0]!.received.length >= 2);
  pool.submit(double, [1]);
  assert.ok(pool.backlog.full);
  const waiting = pool.backlog.whenReady();
  const shutdown = pool.shutdown(true, true);
  await waiting;
  workers[0]!.release();
  await shutdown;
});

function job(id: number): Job {
  return {
    id,
    future: new Future(),
    fnId: 0,
    kind: TaskKind.Call,
    args: [],
    call: undefined,
    queuedAt: 0,
  };
}

test("the pool's queue drops cancelled entries once they outnumber the waiting ones", () => {
  const queue = new TaskQueue(Infinity, "test pool");
  const jobs = Array.from({ length: 3000 }, (_, i) => job(i));
  for (const j of jobs) queue.push(j);
  for (const j of jobs.slice(0, 2500)) j.future.cancel();
  assert.equal(queue.backlog.size, 500);
  assert.equal(queue.length, 3000); // dropped lazily
  queue.push(job(3000));
  assert.equal(queue.length, 501);
  assert.equal(queue.backlog.size, 501);
  assert.equal(queue.shift()!.id, 2500); // in order
  const rest = queue.drain();
  assert.equal(rest.length, 500);
  assert.equal(queue.backlog.size, 0);
});
