// Sizing at its seam (_pool/sizing.ts), without a Pool: a Sizing given the
// workers, the queue and a `start` that adds a fake worker
// (tests/_fake_transport.ts), as the Pool gives them at construction. How
// the fake was stopped says what Sizing decided.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Future } from "../_future/future.ts";
import { TaskQueue } from "../_pool/queue.ts";
import { Sizing, type SizingSetup } from "../_pool/sizing.ts";
import type { WorkerHandle } from "../_pool/worker_handle.ts";
import { fakeHandle, fakeJob, type FakeWorker, until } from "./_fake_transport.ts";

function room(options: Partial<SizingSetup> = {}) {
  const workers = new Set<WorkerHandle>();
  const queue = new TaskQueue();
  const fakes = new Map<WorkerHandle, FakeWorker>();
  const state = { shutDown: false, broken: false };
  const sizing = new Sizing({
    workers,
    queue,
    maxWorkers: 2,
    minWorkers: undefined,
    idleTimeout: undefined,
    start: () => {
      const { handle, worker } = fakeHandle(`W_${workers.size}`, true);
      fakes.set(handle, worker);
      workers.add(handle);
    },
    shutDown: () => state.shutDown,
    broken: () => state.broken,
    ...options,
  });
  const queueOne = () => queue.push(fakeJob(queue.length, new Future<unknown>(), 0, []));
  return { workers, queue, fakes, state, sizing, queueOne };
}

test("Sizing.grow starts a worker per queued task while none is idle, up to maxWorkers", () => {
  const { workers, sizing, queueOne } = room();
  queueOne();
  sizing.grow();
  assert.equal(workers.size, 1);
  sizing.grow();
  assert.equal(workers.size, 1, "the new worker is idle: it takes the one task");
  queueOne();
  sizing.grow();
  assert.equal(workers.size, 2);
  queueOne();
  sizing.grow();
  assert.equal(workers.size, 2, "maxWorkers is 2");
});

test("Sizing.keepMinimum starts minWorkers, replaces one on its way out, and starts none once shut down", () => {
  const { workers, state, sizing } = room({ minWorkers: 2, maxWorkers: 4 });
  sizing.keepMinimum();
  assert.equal(workers.size, 2);
  const [first, second] = workers;
  first!.state = "retiring"; // still finishing its own tasks: still counts
  sizing.keepMinimum();
  assert.equal(workers.size, 2);
  second!.state = "stopping";
  sizing.keepMinimum();
  assert.equal(workers.size, 3);
  workers.delete(second!);
  state.shutDown = true;
  first!.state = "stopping";
  sizing.keepMinimum();
  assert.equal(workers.size, 2);
});

test("Sizing.reported closes a retiring worker with nothing left, and an idle one above minWorkers after idleTimeout", async () => {
  const { workers, fakes, sizing } = room({ minWorkers: 1, idleTimeout: 0 });
  sizing.keepMinimum();
  sizing.keepMinimum();
  const [kept] = workers;
  // A second worker, above the minimum, as grow() would start one.
  const { handle, worker } = fakeHandle("W_extra", true);
  workers.add(handle);
  sizing.reported(handle);
  assert.notEqual(handle.idleTimer, undefined);
  await until(() => worker.stoppedWith !== undefined);
  assert.equal(worker.stoppedWith, "close");
  assert.equal(handle.idleTimer, undefined);
  // The kept one idles as long as it likes: the pool is at its minimum
  // once the other has gone.
  workers.delete(handle);
  sizing.reported(kept!);
  await until(() => kept!.idleTimer === undefined);
  assert.equal(fakes.get(kept!)!.stoppedWith, undefined);
  kept!.state = "retiring";
  sizing.reported(kept!);
  assert.equal(fakes.get(kept!)!.stoppedWith, "close");
});

test("Sizing.clearIdle stops an idle clock when the worker is sent a task", () => {
  const { sizing } = room({ idleTimeout: 60_000 });
  const { handle, worker } = fakeHandle("W_0", true);
  sizing.reported(handle);
  assert.notEqual(handle.idleTimer, undefined);
  sizing.clearIdle(handle);
  assert.equal(handle.idleTimer, undefined);
  assert.equal(worker.stoppedWith, undefined);
});

test("Sizing.retireUncovered retires the workers that cannot load a new module, closing idle ones", () => {
  const { workers, sizing } = room();
  const made = ["W_0", "W_1"].map((name) => fakeHandle(name, false));
  for (const { handle, worker } of made) {
    handle.transport = { ...worker.transport(), covers: () => handle.name === "W_1" };
    workers.add(handle);
  }
  sizing.retireUncovered("file:///new.ts");
  assert.deepEqual(made.map(({ handle }) => handle.state), ["stopping", "running"]);
  assert.deepEqual(made.map(({ worker }) => worker.stoppedWith), ["close", undefined]);
});
