// What both pools promise for per-call options, stats and events (issue 13):
// executor.with({ signal, timeLimit, transfer }) stops running work without
// breaking the pool, transfer() moves results back, stats() adds up and each
// event fires once. Gated tasks (tests/_gate.ts) tell the test what runs; no
// test sleeps or times anything.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fromModule, TimeoutError, transfer } from "../future.ts";
import type { PoolExecutor } from "../thread.ts";
import { gated, openGate } from "./_gate.ts";

type TransferTasks = typeof import("./fixtures/transfer_tasks.ts");
const transferTasks = fromModule<TransferTasks>(
  new URL("./fixtures/transfer_tasks.ts", import.meta.url),
);

/** Spins until `flag[0]` is set (forever without one): a synchronous busy loop. */
const spin = (flag?: Int32Array) => {
  while (!flag || Atomics.load(flag, 0) === 0);
  return "spun";
};

/** The threads of this process (Linux /proc), for leak checks. */
function threadCount(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
}

/** The process ids whose parent is this process (Linux /proc), for leak checks. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * Registers the tests for executors made by `create`; `threads` tells a
 * thread pool (transfer moves; a busy loop can be released by a shared flag)
 * from a process pool (transfer copies).
 */
export function poolControlConformance(
  name: string,
  create: (options: { maxWorkers: number; initializer?: () => Promise<void> }) => PoolExecutor,
  threads: boolean,
): void {
  const it = (what: string, body: () => Promise<void>) => test(`${name} ${what}`, body);

  it("with({ signal }): an abort cancels a queued task, and changes nothing once a task is done", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 1 });
    // Until a worker has timed a task it is sent one at a time: the second
    // task stays in the pool's queue while the first is held at the gate.
    const blocker = executor.submit(gated, gate.url, "blocker");
    await gate.arrived(1);
    const controller = new AbortController();
    const queued = executor.with({ signal: controller.signal }).submit((x: number) => x * 3, 3);
    controller.abort();
    assert.equal(queued.state, "cancelled");
    gate.open();
    assert.equal(await blocker.result(), "blocker");

    const late = new AbortController();
    const done = executor.with({ signal: late.signal }).submit((x: number) => x + 1, 1);
    assert.equal(await done.result(), 2);
    late.abort();
    assert.equal(done.state, "finished");
    assert.equal(await done.result(), 2);
    assert.equal(executor.stats().workers.exited, 0); // nothing was stopped
  });

  it("with({ signal }): an abort stops a running task, its worker is replaced and the pool serves on", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 1 });
    const exits: string[] = [];
    executor.addEventListener("workerexit", (event) => exits.push(event.detail.reason));
    const controller = new AbortController();
    const running = executor.with({ signal: controller.signal }).submit(gated, gate.url, 1);
    await gate.arrived(1);
    assert.equal(running.running(), true);
    assert.equal(running.cancel(), false); // cancel() never stops a running task
    const reason = new Error("the caller gave up");
    controller.abort(reason);
    assert.equal(await running.exception(), reason);
    assert.equal(running.state, "finished");
    assert.equal(await executor.submit((x: number) => x + 1, 41).result(), 42);
    assert.deepEqual(exits, ["stopped"]);
    const { workers, tasks } = executor.stats();
    assert.equal(workers.started, 2);
    assert.equal(tasks.failed, 1);
    assert.equal(tasks.completed, 1);
  });

  it("with({ signal }): tasks sent ahead to a stopped worker each run once, on another", async () => {
    await using gate = await openGate();
    await using counter = await openGate();
    counter.open();
    await using executor = create({ maxWorkers: 1 });
    const count = async (url: string, i: number) => {
      await (await fetch(url)).text();
      return i;
    };
    // Timed as quick, so that the worker is sent several at a time.
    await Array.fromAsync(executor.map((i: number) => i, Array.from({ length: 50 }, (_, i) => i)));
    const controller = new AbortController();
    const stopped = executor.with({ signal: controller.signal }).submit(gated, gate.url, 0);
    const after = Array.from({ length: 8 }, (_, i) => executor.submit(count, counter.url, i));
    await gate.arrived(1);
    controller.abort();
    await stopped.exception();
    assert.deepEqual(await Promise.all(after.map((f) => f.result())), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(counter.count, 8); // none lost, none run twice
  });

  it("with({ signal }).map(): the signal covers every call", async () => {
    await using gate = await openGate();
    await using executor = create({ maxWorkers: 2 });
    const controller = new AbortController();
    const results = executor.with({ signal: controller.signal }).map(
      (url: string, i: number) => fetch(url).then((r) => r.text()).then(() => i),
      [gate.url, gate.url, gate.url, gate.url],
      [0, 1, 2, 3],
    );
    const first = results.next();
    await gate.arrived(2);
    const reason = new Error("stop the map");
    controller.abort(reason);
    await assert.rejects(first, (error) => error === reason);
    assert.equal(await executor.submit(() => "serving").result(), "serving");
    const { tasks } = executor.stats();
    assert.equal(tasks.queued + tasks.running, 0);
    assert.equal(tasks.failed + tasks.cancelled, 4);
  });

  it("100 aborts of running tasks leave no worker behind and the pool still serves", async () => {
    await using gate = await openGate();
    const before = childPids().length;
    const threadsBefore = threadCount();
    const executor = create({ maxWorkers: 2 });
    for (let i = 0; i < 100; i++) {
      const controller = new AbortController();
      const future = executor.with({ signal: controller.signal }).submit(gated, gate.url, i);
      await gate.arrived(i + 1);
      controller.abort();
      assert.equal(await future.exception(), controller.signal.reason);
    }
    assert.equal(await executor.submit((x: number) => x * 2, 21).result(), 42);
    const { workers } = executor.stats();
    assert.ok(workers.alive <= 2, `${workers.alive} workers alive`);
    assert.equal(workers.started, 101);
    await executor.shutdown();
    const after = executor.stats().workers;
    assert.equal(after.alive, 0);
    assert.equal(after.exited, after.started);
    if (!threads) assert.equal(childPids().length, before);
    // 100 stopped threads left behind would show as 100 more; a few of the
    // runtime's own may come and go.
    const threadsAfter = threadCount();
    assert.ok(
      threadsAfter < threadsBefore + 10,
      `${threadsBefore} threads before, ${threadsAfter} after`,
    );
  });

  it("with({ timeLimit }) counts from the task's start, not from its worker's start and initializer", async () => {
    // The initializer alone outlasts the limit: a limit counted from the
    // send would fire before the task began.
    await using executor = create({
      maxWorkers: 1,
      initializer: () => new Promise((resolve) => setTimeout(resolve, 1500)),
    });
    const future = executor.with({ timeLimit: 1000 }).submit(() => "in time");
    assert.equal(await future.result(), "in time");
  });

  it("with({ timeLimit }) stops a task busy in a synchronous loop with a TimeoutError", async () => {
    await using executor = create({ maxWorkers: 1 });
    // A thread gets a flag that ends the loop at the end of the test: Deno
    // cannot interrupt a busy thread, which would otherwise spin on.
    const flag = threads ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    try {
      const future = executor.with({ timeLimit: 50 }).submit(spin, flag);
      const error = await future.exception();
      assert.ok(error instanceof TimeoutError, String(error));
      assert.match((error as Error).message, /timeLimit of 50 ms/);
      assert.equal(await executor.submit((x: number) => x + 1, 1).result(), 2);
      // A task that ends in time is not touched.
      assert.equal(
        await executor.with({ timeLimit: 60_000 }).submit(() => "quick").result(),
        "quick",
      );
    } finally {
      if (flag) Atomics.store(flag, 0, 1);
    }
  });

  it(
    threads
      ? "with({ transfer }) moves the buffer to the worker (the caller's is detached), and transfer() moves a result back"
      : "with({ transfer }) copies the buffer to a child (the caller's stays), and transfer() results arrive",
    async () => {
      await using executor = create({ maxWorkers: 1 });
      const bytes = new Uint8Array(1024).map((_, i) => i % 251);
      const expected = bytes.reduce((sum, b) => sum + b, 0);
      const sum = executor.with({ transfer: [bytes.buffer] }).submit(
        (b: Uint8Array) => b.reduce((sum, x) => sum + x, 0),
        bytes,
      );
      assert.equal(await sum.result(), expected);
      assert.equal(bytes.byteLength, threads ? 0 : 1024);
      // Inline: the worker binds `transfer` around the task's source.
      const made = await executor.submit((n: number) => {
        const out = new Uint8Array(n).fill(7);
        return transfer(out, [out.buffer]);
      }, 16).result();
      assert.deepEqual(made, new Uint8Array(16).fill(7));
      // A module task imports transfer from the package.
      const input = new Uint8Array([1, 2, 3]);
      assert.deepEqual(
        await executor.submit(transferTasks.doubled, input).result(),
        new Uint8Array([2, 4, 6]),
      );
    },
  );

  it("stats() adds up: completed + failed + cancelled = submitted", async () => {
    await using gate = await openGate();
    const executor = create({ maxWorkers: 1 });
    executor.stats(); // start timing
    // The first task is sent alone (its worker has timed nothing yet), so
    // everything after it waits in the pool's queue until the gate opens.
    const blocker = executor.submit(gated, gate.url, "b");
    await gate.arrived(1);
    const ok = [1, 2, 3].map((x) => executor.submit((x: number) => x, x));
    const failing = executor.submit(() => {
      throw new RangeError("no");
    });
    const cancelled = executor.submit((x: number) => x + 100, 1);
    assert.equal(cancelled.cancel(), true);
    const controller = new AbortController();
    const stopped = executor.with({ signal: controller.signal }).submit((x: number) => x - 1, 1);
    const during = executor.stats();
    assert.equal(during.tasks.submitted, 7);
    assert.equal(during.tasks.running, 1);
    assert.equal(during.tasks.queued, 5);
    assert.equal(during.workers.busy, 1);
    controller.abort(); // still queued: cancelled
    assert.equal(stopped.cancelled(), true);
    gate.open();
    await blocker.result();
    await Promise.all(ok.map((f) => f.result()));
    await failing.exception();
    await executor.shutdown();
    const { tasks, workers, runTime, waitTime, utilization } = executor.stats();
    assert.deepEqual(tasks, {
      submitted: 7,
      queued: 0,
      running: 0,
      completed: 4,
      failed: 1,
      cancelled: 2,
    });
    assert.equal(tasks.completed + tasks.failed + tasks.cancelled, tasks.submitted);
    assert.deepEqual(workers, { alive: 0, idle: 0, busy: 0, started: 1, exited: 1 });
    assert.equal(runTime?.samples, 5);
    assert.equal(waitTime?.samples, 5);
    assert.ok(runTime!.p50 <= runTime!.p99 && runTime!.p99 <= runTime!.max);
    assert.ok(utilization >= 0 && utilization <= 1);
  });

  it("fires workerstart, workerexit, drain and broken once each", async () => {
    await using gate = await openGate();
    const executor = create({ maxWorkers: 1 });
    const seen: string[] = [];
    executor.addEventListener("workerstart", (e) => seen.push(`start ${e.detail.worker}`));
    executor.addEventListener("workerexit", (e) => seen.push(`exit ${e.detail.reason}`));
    executor.addEventListener("drain", () => seen.push("drain"));
    executor.addEventListener("broken", (e) => seen.push(`broken ${e.detail.error.name}`));
    const drained = new Promise((resolve) => executor.addEventListener("drain", resolve));
    const first = executor.submit(gated, gate.url, 1);
    const second = executor.submit((x: number) => x, 2);
    await gate.arrived(1);
    gate.open();
    await first.result();
    await second.result();
    await drained;
    const worker = seen[0]!.slice("start ".length);
    assert.deepEqual(seen, [`start ${worker}`, "drain"]);
    // A worker that ends by itself breaks the pool.
    const crash = executor.submit(() =>
      (globalThis as { process: { exit(code: number): void } }).process.exit(3)
    );
    await crash.exception();
    await executor.shutdown();
    const broken = seen.filter((s) => s.startsWith("broken"));
    assert.equal(broken.length, 1);
    assert.match(broken[0]!, /^broken Broken(Thread|Process)Pool$/);
    assert.equal(seen.filter((s) => s === "exit crashed").length, 1);
    assert.equal(seen.filter((s) => s.startsWith("start")).length, 1);
  });
}
