// Per-call control at its seam (_pool/control.ts), without a Pool: a
// CallControl given the workers (fake ones, tests/_fake_transport.ts) and
// jobs placed on a worker as dispatch places them. What it does shows in
// the futures, the worker's stop (the fake records how it was stopped), the
// cancel ring, and the tasks it gives back for the queue.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokenExecutor, TimeoutError } from "../_future/errors.ts";
import { Future, setStartProbe } from "../_future/future.ts";
import { CallControl } from "../_pool/control.ts";
import { Tally } from "../_pool/stats.ts";
import { jobCall } from "../_pool/stop.ts";
import type { Job, WorkerHandle } from "../_pool/worker_handle.ts";
import { Msg, Slot } from "../_wire/protocol.ts";
import { fakeHandle, fakeJob, until } from "./_fake_transport.ts";

function room(sharedCancel: boolean) {
  const tally = new Tally();
  const workers = new Set<WorkerHandle>();
  const control = new CallControl(workers, tally, (m, o) => new BrokenExecutor(m, o));
  const made = fakeHandle("W_0", sharedCancel);
  workers.add(made.handle);
  return { tally, control, ...made };
}

// Records `jobs` as sent to `w`, as the Dispatcher does after a send: a
// thread's task starts when the thread claims its slot; a child's counts as
// running at once. (No message crosses: the fake worker runs nothing.)
function place(w: WorkerHandle, jobs: Job[]): void {
  const probes = w.sent(jobs, w.reserveSlots(jobs.length), performance.now());
  jobs.forEach((job, i) => {
    if (probes) setStartProbe(job.future, probes[i]!);
    else job.future.setRunningOrNotifyCancel();
  });
}

// Waits for a state a timer brings about: turns of the timer queue (the
// fake transport's `until` turns only the check queue), up to 10 s.
async function turnsUntil(check: () => boolean): Promise<void> {
  const end = performance.now() + 10_000;
  while (!check()) {
    if (performance.now() > end) throw new Error("condition never held");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

let ids = 0;
function job(options?: Parameters<typeof jobCall>[0]): Job {
  return fakeJob(ids++, new Future<unknown>(), 0, [], jobCall(options));
}

test("CallControl arms a child's time limit once the child is ready and the task is its front, then stops the child", async () => {
  const { tally, control, handle, worker, exits, heard } = room(false);
  const limited = job({ timeLimit: 1 });
  const behind = job();
  control.watch(limited);
  place(handle, [limited, behind]);
  control.checkFront(handle);
  assert.equal(
    limited.call!.timer,
    undefined,
    "the child is not up yet: its start is not the task's",
  );
  handle.ready = true; // as Msg.Ready does
  control.checkFront(handle);
  assert.notEqual(limited.call!.timer, undefined);
  const error = await limited.future.exception();
  assert.ok(error instanceof TimeoutError, String(error));
  assert.match(error.message, /timeLimit of 1 ms/);
  assert.equal(tally.failed, 1);
  // A child is halted: its protocol thread hands back what never began,
  // then ends it.
  assert.equal(worker.stoppedWith, "halt");
  assert.equal(handle.stoppedFor, limited);
  await until(() => exits.length === 1);
  const answer = heard.at(-1) as number[];
  assert.deepEqual(answer, [handle.token, Msg.Returned, behind.id]);
  // Results moves it to the queue with the answer (tests/pool_stop_test.ts).
  assert.deepEqual(handle.handedBack(answer.slice(2)), [behind]);
  assert.deepEqual(control.afterStop(handle), []);
});

test("CallControl fails what a halted child did not hand back: it may have begun", async () => {
  const { control, handle, worker, exits } = room(false);
  const limited = job({ timeLimit: 1 });
  const behind = job();
  control.watch(limited);
  place(handle, [limited, behind]);
  assert.ok(worker.claim(1)); // the child's main thread began the task behind
  handle.ready = true;
  control.checkFront(handle);
  assert.ok(await limited.future.exception() instanceof TimeoutError);
  await until(() => exits.length === 1);
  assert.deepEqual(control.afterStop(handle), []);
  const error = await behind.future.exception();
  assert.ok(error instanceof BrokenExecutor, String(error));
  assert.match((error as Error).message, /may have begun this one/);
});

test("CallControl counts a thread's time limit from when the thread claims the task", async () => {
  const { control, handle, worker } = room(true);
  const limited = job({ timeLimit: 1 });
  control.watch(limited);
  place(handle, [limited]);
  control.checkFront(handle);
  // Not claimed: the timer only polls for the claim (a new timer each
  // time), and the task stays pending well past its 1 ms.
  const first = limited.call!.timer;
  assert.notEqual(first, undefined);
  await turnsUntil(() => limited.call!.timer !== first);
  assert.equal(limited.future.state, "pending");
  assert.equal(worker.stoppedWith, undefined);
  Atomics.store(handle.slots!, 0, Slot.Started); // the thread claims it
  assert.equal(limited.future.state, "running");
  assert.ok(await limited.future.exception() instanceof TimeoutError);
  assert.equal(worker.stoppedWith, "SIGKILL");
});

test("CallControl fails an aborted running task at once but stops its worker only when the task is the front", async () => {
  const { tally, control, handle, worker } = room(false);
  const front = job();
  const controller = new AbortController();
  const stopped = job({ signal: controller.signal });
  control.watch(stopped);
  place(handle, [front, stopped]);
  const reason = new Error("stop");
  controller.abort(reason);
  assert.equal(await stopped.future.exception(), reason);
  assert.equal(tally.failed, 1);
  assert.equal(worker.stoppedWith, undefined, "the task before it has not reported");
  handle.inflight.shift(); // the front task reported (as Results does)
  control.checkFront(handle);
  assert.equal(worker.stoppedWith, "halt");
  assert.equal(handle.stoppedFor, stopped);
});

test("CallControl cancels a task aborted before it starts, and one whose signal was aborted already", () => {
  const { tally, control, handle, worker } = room(true);
  const controller = new AbortController();
  const queued = job({ signal: controller.signal });
  control.watch(queued);
  controller.abort(new Error("stop"));
  assert.equal(queued.future.cancelled(), true);
  const early = job({ signal: AbortSignal.abort() });
  control.watch(early);
  assert.equal(early.future.cancelled(), true);
  // Sent ahead to a thread and not claimed: cancelled too, its slot with it.
  const second = new AbortController();
  const ahead = job({ signal: second.signal });
  control.watch(ahead);
  place(handle, [ahead]);
  second.abort(new Error("stop"));
  assert.equal(ahead.future.cancelled(), true);
  assert.equal(Atomics.load(handle.slots!, 0), Slot.Cancelled);
  assert.equal(tally.failed, 0);
  assert.equal(worker.stoppedWith, undefined);
});

test("CallControl stops a thread for its front task only after claiming the slots behind it; those go back", async () => {
  const { control, handle, worker, exits } = room(true);
  const controller = new AbortController();
  const stopped = job({ signal: controller.signal });
  const next = job();
  const transferred = job({ transfer: [new ArrayBuffer(8)] });
  control.watch(stopped);
  control.watch(transferred);
  place(handle, [stopped, next, transferred]);
  Atomics.store(handle.slots!, 0, Slot.Started);
  controller.abort(new Error("stop"));
  await stopped.future.exception();
  assert.equal(worker.stoppedWith, "SIGKILL");
  const slots = handle.slots!;
  assert.deepEqual([1, 2].map((slot) => Atomics.load(slots, slot)), [
    Slot.Cancelled,
    Slot.Cancelled,
  ]);
  // Pending again at once: cancel() wins until they are sent again.
  assert.equal(next.future.state, "pending");
  await until(() => exits.length === 1);
  assert.deepEqual(control.afterStop(handle), [next]);
  // Its buffers went with the stopped thread: it cannot be sent again.
  const error = await transferred.future.exception();
  assert.ok(error instanceof TypeError, String(error));
  assert.match(error.message, /buffers it transferred went with worker W_0/);
});

test("CallControl leaves a thread alone when the task after the stopped one has started: the stopped one finished", () => {
  const { control, handle, worker } = room(true);
  const controller = new AbortController();
  const stopped = job({ signal: controller.signal });
  const next = job();
  control.watch(stopped);
  place(handle, [stopped, next]);
  const slots = handle.slots!;
  Atomics.store(slots, 0, Slot.Started);
  Atomics.store(slots, 1, Slot.Started); // the thread moved on before its result came
  controller.abort(new Error("stop"));
  assert.equal(stopped.future.done(), true);
  assert.equal(worker.stoppedWith, undefined);
  assert.equal(handle.stoppedFor, undefined);
  assert.equal(next.future.state, "running");
});
