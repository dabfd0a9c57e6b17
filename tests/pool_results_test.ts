// Results at its seam (_pool/results.ts), without a Pool: a Results given
// the queue, a tally, a stand-in for CallControl and a `break` that records,
// reading messages as a worker (tests/_fake_transport.ts) would send them.
// Its answer (Heard) is what the Pool acts on.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Future } from "../_future/future.ts";
import { TaskQueue } from "../_pool/queue.ts";
import { Heard, Results } from "../_pool/results.ts";
import { Tally } from "../_pool/stats.ts";
import type { Job, WorkerHandle } from "../_pool/worker_handle.ts";
import { Msg, Status } from "../_wire/protocol.ts";
import { fakeHandle, fakeJob } from "./_fake_transport.ts";

function room(sharedCancel: boolean) {
  const queue = new TaskQueue();
  const tally = new Tally();
  const broken: string[] = [];
  const fronts: string[] = [];
  const results = new Results({
    queue,
    tally,
    maxTasksPerWorker: undefined,
    control: { checkFront: (w) => fronts.push(w.name) },
    break: (reason) => broken.push(reason),
  });
  const { handle } = fakeHandle("W_0", sharedCancel);
  return { queue, tally, broken, fronts, results, handle };
}

let ids = 0;
// Jobs recorded as sent to `w` (no message crosses).
function place(w: WorkerHandle, count: number): Job[] {
  const jobs = Array.from({ length: count }, () => fakeJob(ids++, new Future<unknown>(), 0, []));
  w.sent(jobs, w.reserveSlots(count), performance.now());
  for (const job of jobs) job.future.setRunningOrNotifyCancel();
  return jobs;
}

// A Done message from `w`: `busy` ms, then [id, status, value] per result.
function done(w: WorkerHandle, busy: number, ...results: unknown[][]): unknown[] {
  return [w.token, Msg.Done, busy, ...results.flat()];
}

test("Results settles a worker's results in order, counts them, and asks for a dispatch once it is idle", async () => {
  const { tally, broken, fronts, results, handle } = room(false);
  const [first, second, third] = place(handle, 3);
  const thrown = { value: "no" }; // `throw "no"` on the wire
  let heard = results.receive(handle, done(handle, 3, [first!.id, Status.Ok, 1]));
  assert.equal(heard, Heard.Progress, "two tasks still in flight, nothing queued");
  assert.equal(await first!.future.result(), 1);
  heard = results.receive(
    handle,
    done(handle, 6, [second!.id, Status.Void, null], [third!.id, Status.Error, thrown]),
  );
  assert.equal(heard, Heard.Dispatch, "the worker went idle");
  assert.equal(await second!.future.result(), undefined);
  assert.equal(await third!.future.exception(), "no");
  assert.deepEqual([tally.completed, tally.failed, tally.busyMs], [2, 1, 9]);
  assert.deepEqual(fronts, ["W_0", "W_0"], "each message may bring a new front task");
  assert.deepEqual(broken, []);
  assert.equal(handle.live, 0);
});

test("Results ignores what is not the pool's, and breaks on a result out of order or not the protocol", () => {
  const { broken, results, handle } = room(true);
  const [first, second] = place(handle, 2);
  assert.equal(results.receive(handle, ["progress", 50]), Heard.Nothing, "a task's own message");
  assert.equal(results.receive(handle, [handle.token + 1, Msg.Done, 0]), Heard.Nothing);
  assert.deepEqual(broken, []);
  assert.equal(
    results.receive(handle, done(handle, 1, [second!.id, Status.Ok, 2])),
    Heard.Nothing,
  );
  assert.deepEqual(broken, ["worker W_0 sent a result out of order"]);
  assert.equal(first!.future.done(), false, "the Pool's break fails it, not Results");
  results.receive(handle, [handle.token, Msg.Done, "busy"]);
  assert.equal(broken[1], "worker W_0 sent a message that is not the pool's protocol");
});

test("Results marks a child ready on Msg.Ready and arms its front task, asking nothing more", () => {
  const { fronts, results, handle } = room(false);
  assert.equal(handle.ready, false);
  assert.equal(results.receive(handle, [handle.token, Msg.Ready]), Heard.Nothing);
  assert.equal(handle.ready, true);
  assert.deepEqual(fronts, ["W_0"]);
});

test("Results does not hear a thread stopped for a task: its cancel ring decided what ran", () => {
  const { tally, results, handle } = room(true);
  const [stopped] = place(handle, 1);
  handle.stoppedFor = stopped;
  assert.equal(
    results.receive(handle, done(handle, 1, [stopped!.id, Status.Ok, 1])),
    Heard.Nothing,
  );
  assert.equal(stopped!.future.done(), false);
  assert.equal(tally.completed, 0);
});

test("Results puts a child's hand-back at the queue's front, in order, and asks for a dispatch", () => {
  const { queue, broken, results, handle } = room(false);
  const jobs = place(handle, 4);
  const waiting = fakeJob(ids++, new Future<unknown>(), 0, []);
  queue.push(waiting);
  handle.askBack(2); // asks for the two at the back
  const heard = results.receive(handle, [handle.token, Msg.Returned, jobs[3]!.id, jobs[2]!.id]);
  assert.equal(heard, Heard.Dispatch);
  assert.deepEqual([...queue].map((job) => job.id), [jobs[2]!.id, jobs[3]!.id, waiting.id]);
  assert.equal(handle.live, 2);
  assert.deepEqual(broken, []);
  // A hand-back of a task it was not asked for breaks the pool.
  results.receive(handle, [handle.token, Msg.Returned, jobs[0]!.id]);
  assert.deepEqual(broken, ["worker W_0 handed back a task it was not given"]);
});
