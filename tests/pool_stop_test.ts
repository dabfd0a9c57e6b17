// Stopping a running task (executor.with) in the pool core, over fake workers
// (tests/_fake_transport.ts): what happens to the tasks sent ahead to the
// stopped worker, including the race a child process leaves open.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokenExecutor } from "../_future/errors.ts";
import { type RunMessage, TaskKind } from "../_wire/protocol.ts";
import { fakePool, until } from "./_fake_transport.ts";

const double = (x: number) => 2 * x;

// A pool of one fake worker; `sharedCancel: false` is a process pool's case.
async function warmPool(sharedCancel: boolean) {
  const { pool, workers } = fakePool({ sharedCancel });
  // Timed as quick, so the worker is sent several tasks at a time.
  await Promise.all(Array.from({ length: 20 }, (_, i) => pool.submit(double, [i]).result()));
  return { pool, workers };
}

// Submits a stoppable task and one after it while the worker holds its inbox:
// both travel in one message and neither runs there.
async function stoppedWithOneBehind(sharedCancel: boolean) {
  const { pool, workers } = await warmPool(sharedCancel);
  const worker = workers[0]!;
  worker.hold();
  const sent = worker.received.length;
  const controller = new AbortController();
  // Never settles by itself: running until stopped.
  const hang = () => new Promise<never>(() => {});
  const stopped = pool.submit(hang, [], TaskKind.Call, { signal: controller.signal });
  const behind = pool.submit(double, [7]);
  await until(() => worker.received.length > sent);
  assert.equal(worker.received.length, sent + 1, "both tasks travel in one message");
  const batch = worker.received.at(-1) as RunMessage;
  const posted = worker.posted.length;
  return { pool, workers, worker, controller, stopped, behind, batch, posted };
}

for (const sharedCancel of [false, true]) {
  const kind = sharedCancel ? "thread" : "child";
  test(`a stopped ${kind}'s tasks sent ahead go back to the queue and run once on a new worker`, async () => {
    const { pool, workers, worker, controller, stopped, behind, posted } =
      await stoppedWithOneBehind(
        sharedCancel,
      );
    if (sharedCancel) {
      // A thread's task runs once the thread claims its slot: let it.
      assert.equal(stopped.state, "pending");
      worker.release();
      await until(() => stopped.running());
    }
    const reason = new Error("stop");
    controller.abort(reason);
    assert.equal(await stopped.exception(), reason);
    assert.equal(await behind.result(), 14);
    assert.equal(workers.length, 2);
    // The stopped worker never ran the task behind it.
    assert.equal(worker.posted.length, posted);
    assert.equal(await pool.submit(double, [1]).result(), 2);
    await pool.shutdown(true, false);
  });
}

test("a child halted for a stopped task: a task behind it that began fails, never runs twice", async () => {
  const { pool, worker, controller, stopped, behind } = await stoppedWithOneBehind(false);
  // The child's main thread claims the task behind (it finished the stopped
  // one and began the next, its results not written yet) before the halt.
  assert.ok(worker.claim(worker.tasksReceived() - 1));
  controller.abort(new Error("stop"));
  assert.equal(worker.stoppedWith, "halt");
  await stopped.exception();
  const error = await behind.exception();
  assert.ok(error instanceof BrokenExecutor, String(error));
  assert.match((error as Error).message, /may have begun this one/);
  assert.equal(await pool.submit(double, [1]).result(), 2); // not broken
  const { tasks } = pool.stats();
  assert.equal(tasks.completed + tasks.failed + tasks.cancelled, tasks.submitted);
  await pool.shutdown(true, false);
});

test("a thread that has begun the next task: the stopped task has finished, its worker is kept", async () => {
  const { pool, workers } = await warmPool(true);
  const worker = workers[0]!;
  worker.hold();
  const sent = worker.received.length;
  const controller = new AbortController();
  const stopped = pool.submit(double, [1], TaskKind.Call, { signal: controller.signal });
  const next = pool.submit(() => new Promise((resolve) => setTimeout(resolve, 0, "next")), []);
  await until(() => worker.received.length > sent);
  assert.equal(worker.received.length, sent + 1, "both tasks travel in one message");
  // The worker runs the first task and begins the second; the first's
  // result is posted but not yet delivered when the abort comes.
  worker.release();
  assert.equal(stopped.running(), true);
  assert.equal(next.running(), true);
  const reason = new Error("too late to stop");
  controller.abort(reason);
  assert.equal(await stopped.exception(), reason); // the future still fails at once
  assert.equal(await next.result(), "next");
  assert.equal(worker.stoppedWith, undefined);
  assert.equal(workers.length, 1);
  await pool.shutdown(true, false);
});
