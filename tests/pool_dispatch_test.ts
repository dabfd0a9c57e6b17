// Dispatch at its seam (_pool/dispatch.ts), without a Pool: a Dispatcher
// given a queue, fake workers (tests/_fake_transport.ts) and a function
// table, as the Pool gives them at construction. What each worker received
// says which tasks went where; the cancel ring and a child's claim ring say
// what was taken back.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Future } from "../_future/future.ts";
import { Dispatcher } from "../_pool/dispatch.ts";
import { Functions } from "../_pool/functions.ts";
import { TaskQueue } from "../_pool/queue.ts";
import { Heard, Results } from "../_pool/results.ts";
import { Tally } from "../_pool/stats.ts";
import type { WorkerHandle } from "../_pool/worker_handle.ts";
import {
  DONE_RESULTS,
  Msg,
  RESULT_ID,
  RESULT_STATUS,
  RESULT_STRIDE,
  RUN_TASKS,
  type RunMessage,
  Slot,
  Status,
  TASK_ARGC,
  TASK_ARGS,
  TASK_ID,
  type ToWorker,
} from "../_wire/protocol.ts";
import { fakeHandle, fakeJob, type FakeWorker, until } from "./_fake_transport.ts";

const double = (x: number) => 2 * x;

// The ids of the tasks in each Run message a worker received.
function batches(received: readonly ToWorker[]): number[][] {
  return received.filter((m): m is RunMessage => m[0] === Msg.Run).map((message) => {
    const ids: number[] = [];
    for (let at = RUN_TASKS; at < message.length;) {
      ids.push(message[at + TASK_ID] as number);
      at += TASK_ARGS + (message[at + TASK_ARGC] as number);
    }
    return ids;
  });
}

// The status of each result a worker posted, by task id.
function reported(worker: FakeWorker): Map<number, unknown> {
  const statuses = new Map<number, unknown>();
  for (const message of worker.posted) {
    if (message[1] !== Msg.Done) continue;
    for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
      statuses.set(message[at + RESULT_ID] as number, message[at + RESULT_STATUS]);
    }
  }
  return statuses;
}

// As if the worker had reported many quick tasks: its window opens wide.
function timedAsQuick(w: WorkerHandle): void {
  w.progressed(100, 0.1, performance.now());
}

function room(sharedCancel: boolean, maxTasksPerWorker?: number) {
  const queue = new TaskQueue();
  const tally = new Tally();
  const functions = new Functions(() => {});
  const workers = new Set<WorkerHandle>();
  const sent: string[] = [];
  const heard: Heard[] = [];
  // Workers' messages go to the results room, as in the Pool.
  const results = new Results({
    queue,
    tally,
    maxTasksPerWorker,
    control: { checkFront() {} },
    break: (reason) => assert.fail(reason),
  });
  const hear = (w: WorkerHandle, message: unknown) => heard.push(results.receive(w, message));
  const dispatcher = new Dispatcher({
    queue,
    workers,
    functions,
    tally,
    maxTasksPerWorker,
    sharedCancel,
    sent: (w) => sent.push(w.name),
  });
  let nextId = 0;
  const submit = (task: unknown, args: unknown[]): Future<unknown> => {
    const future = new Future<unknown>();
    queue.push(fakeJob(nextId++, future, functions.idOf(task), args));
    return future;
  };
  // A worker started and timed as quick; `held`: its inbox holds what it is
  // sent, so nothing it is sent starts.
  const start = (name: string, held = false) => {
    const made = fakeHandle(name, sharedCancel, hear);
    if (held) made.worker.hold();
    timedAsQuick(made.handle);
    workers.add(made.handle);
    return made;
  };
  return { queue, tally, heard, dispatcher, sent, submit, start };
}

test("Dispatcher sends each worker a fair share of the queue in one message, with each definition once", () => {
  const { queue, dispatcher, sent, submit, start } = room(true);
  const [a, b] = [start("W_0"), start("W_1")];
  for (let i = 0; i < 5; i++) submit(double, [i]);
  dispatcher.sendQueued();
  assert.equal(queue.length, 0);
  assert.deepEqual(batches(a.worker.received), [[0, 1, 2]]);
  assert.deepEqual(batches(b.worker.received), [[3, 4]]);
  assert.deepEqual(sent, ["W_0", "W_1"]);
  const defs = (w: FakeWorker) => w.received.map((m) => m[0] === Msg.Run ? m[1]?.length : -1);
  assert.deepEqual(defs(a.worker), [-1, 1]);
  // The least busy worker goes first: W_1 holds two tasks, W_0 three.
  // (Both just reported, so neither counts as stalled on a slow machine.)
  timedAsQuick(a.handle);
  timedAsQuick(b.handle);
  submit(double, [5]);
  dispatcher.sendQueued();
  assert.deepEqual(batches(b.worker.received), [[3, 4], [5]]);
  assert.equal((b.worker.received.at(-1) as RunMessage)[1], null, "W_1 knows the function");
});

test("Dispatcher fails only the task that cannot cross and sends the rest of its batch", async () => {
  const { tally, dispatcher, sent, submit, start } = room(true);
  const { worker } = start("W_0");
  const first = submit(double, [1]);
  const unsendable = submit(double, [() => 1]); // a function cannot be cloned
  const last = submit(double, [3]);
  dispatcher.sendQueued();
  const error = await unsendable.exception();
  assert.ok(error instanceof TypeError, String(error));
  assert.match(error.message, /^Cannot send the task to a worker: /);
  assert.equal(tally.failed, 1);
  assert.deepEqual(batches(worker.received), [[0], [2]]);
  assert.deepEqual(sent, ["W_0", "W_0"]);
  assert.equal(await first.result(), 2);
  assert.equal(await last.result(), 6);
});

test("Dispatcher drops cancelled tasks it meets in the queue and retires a worker given its last task", () => {
  const { queue, dispatcher, submit, start } = room(true, 2);
  const { handle, worker } = start("W_0");
  submit(double, [0]);
  submit(double, [1]).cancel();
  submit(double, [2]);
  submit(double, [3]);
  dispatcher.sendQueued();
  assert.deepEqual(batches(worker.received), [[0, 2]]);
  assert.equal(handle.state, "retiring");
  assert.equal(queue.length, 1, "the last task waits for another worker");
  dispatcher.sendQueued();
  assert.deepEqual(batches(worker.received), [[0, 2]], "a retiring worker takes nothing");
});

test("Dispatcher.rebalance gives an idle thread the back half of what a busy one has not started", async () => {
  const { dispatcher, submit, start } = room(true);
  const busy = start("W_0", true);
  const futures = [0, 1, 2, 3].map((i) => submit(double, [i]));
  dispatcher.sendQueued();
  assert.deepEqual(batches(busy.worker.received), [[0, 1, 2, 3]]);
  const idle = start("W_1");
  dispatcher.rebalance();
  // Three tasks wait behind the front one: two of them move.
  assert.deepEqual(batches(idle.worker.received), [[2, 3]]);
  assert.equal(busy.handle.stale, 2);
  const slots = busy.handle.slots!;
  assert.deepEqual([0, 1, 2, 3].map((slot) => Atomics.load(slots, slot)), [
    Slot.Queued,
    Slot.Queued,
    Slot.Reclaimed,
    Slot.Reclaimed,
  ]);
  // The busy thread reports the moved tasks as Cancelled and never runs them.
  busy.worker.release();
  await until(() => reported(busy.worker).size === 4);
  assert.deepEqual([...reported(busy.worker).values()], [
    Status.Ok,
    Status.Ok,
    Status.Cancelled,
    Status.Cancelled,
  ]);
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [0, 2, 4, 6]);
});

test("Dispatcher.rebalance asks a busy child to hand back what it has not started, for the queue's front", async () => {
  const { queue, heard, dispatcher, submit, start } = room(false);
  const busy = start("W_0", true);
  const futures = [0, 1, 2, 3].map((i) => submit(double, [i]));
  dispatcher.sendQueued();
  const idle = start("W_1");
  dispatcher.rebalance();
  assert.deepEqual(batches(idle.worker.received), [], "nothing moves before the child answers");
  // (The idle child's Msg.Ready asks nothing of the Pool.)
  await until(() => heard.includes(Heard.Dispatch));
  assert.deepEqual(
    heard.filter((next) => next !== Heard.Nothing),
    [Heard.Dispatch],
    "the Pool is asked to dispatch them",
  );
  assert.deepEqual([...queue].map((job) => job.id), [2, 3], "handed back, in order");
  assert.equal(busy.handle.live, 2);
  // The child reports the handed-back tasks as Cancelled and never runs them.
  busy.worker.release();
  await until(() => reported(busy.worker).size === 4);
  assert.deepEqual([...reported(busy.worker).values()], [
    Status.Ok,
    Status.Ok,
    Status.Cancelled,
    Status.Cancelled,
  ]);
  assert.deepEqual(await Promise.all(futures.slice(0, 2).map((f) => f.result())), [0, 2]);
  assert.equal(busy.handle.inflight.length, 0);
  assert.deepEqual(futures.map((f) => f.state), ["finished", "finished", "running", "running"]);
});

test("Dispatcher.rebalance never takes the task a busy worker runs next", () => {
  for (const sharedCancel of [true, false]) {
    const { dispatcher, submit, start } = room(sharedCancel);
    const busy = start("W_0", true);
    submit(double, [0]);
    dispatcher.sendQueued();
    const idle = start("W_1");
    dispatcher.rebalance();
    assert.deepEqual(batches(idle.worker.received), []);
    assert.equal(busy.handle.stale, 0);
    assert.equal(busy.handle.inflight.peek()?.asked, false);
  }
});
