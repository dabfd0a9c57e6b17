// RedisExecutor when things break mid-run: Redis restarted (with and
// without its data), every connection killed, worker nodes killed at random
// under 10,000 tasks. Every future settles exactly once, and no task runs
// twice when retries do not allow it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type Future, onDone } from "../_future/future.ts";
import { RedisExecutor, serveWorker, TaskLostError, WorkerLostError } from "../redis.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { RedisClient } from "../_redis/client.ts";
import { openGate } from "./_gate.ts";
import { startNode, type WorkerNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

// Counts how often each future settles, counted from before any can: the
// Future class allows once, and this checks that nothing tried twice in a
// way that went unnoticed.
function settleCounter(): { watch<T>(future: Future<T>): Future<T>; counts: number[] } {
  const counts: number[] = [];
  return {
    counts,
    watch(future) {
      const at = counts.push(0) - 1;
      onDone(future, () => counts[at]!++);
      return future;
    },
  };
}

test("Redis restarted mid-run with its data kept: every future gets its value, each task ran once", async () => {
  await using server = await RedisServer.start({ persist: true });
  await using gate = await openGate();
  using log = runLog();
  await using _a = await startNode(server.url, "jobs", { allow, lease: 2_000 });
  await using _b = await startNode(server.url, "jobs", { allow, lease: 2_000 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const { watch, counts } = settleCounter();
  const held = [0, 1].map((i) => watch(executor.submit(tasks.hold, log.dir, `h${i}`, gate.url, i)));
  const marks = Array.from(
    { length: 300 },
    (_, i) => watch(executor.submit(tasks.mark, log.dir, i)),
  );
  await gate.arrived(2);
  await server.halt();
  const more = Array.from(
    { length: 100 },
    (_, i) => watch(executor.submit(tasks.mark, log.dir, 300 + i)),
  );
  await server.resume();
  gate.open();
  assert.deepEqual(await Promise.all(held.map((f) => f.result())), [0, 1]);
  const values = await Promise.all([...marks, ...more].map((f) => f.result()));
  assert.deepEqual(values, Array.from({ length: 400 }, (_, i) => 2 * i));
  assert.ok(counts.every((n) => n === 1));
  assert.ok([...log.marks().values()].every((runs) => runs === 1), "no task ran twice");
});

test("Redis restarted without its data: unfinished futures fail with TaskLostError, none hangs, the queue works again", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  using log = runLog();
  await using _a = await startNode(server.url, "jobs", { allow, lease: 2_000 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const done = executor.submit(tasks.mark, log.dir, 1);
  assert.equal(await done.result(), 2);
  const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "late");
  const queued = Array.from({ length: 20 }, (_, i) => executor.submit(tasks.mark, log.dir, 10 + i));
  await gate.arrived(1);
  await server.halt();
  await server.resume();
  gate.open();
  const lost = await running.exception();
  assert.ok(lost instanceof TaskLostError, `got ${lost}`);
  assert.match((lost as Error).message, /Redis no longer has the task/);
  for (const future of queued) {
    const error = await future.exception();
    if (error !== undefined) assert.ok(error instanceof TaskLostError, `got ${error}`);
  }
  assert.equal(await executor.submit(tasks.mark, log.dir, 100).result(), 200);
});

test("every connection killed mid-run: each result reaches its future exactly once", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using _a = await startNode(server.url, "jobs", { allow, workers: 2 });
  await using _b = await startNode(server.url, "jobs", { allow, workers: 2 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  await using admin = new RedisClient(server.url);
  const { watch, counts } = settleCounter();
  const futures: Future<number>[] = [];
  const settled = () => futures.filter((f) => f.done()).length;
  const killAll = () => admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
  // Connected first: a first connection that fails is not retried (a wrong
  // address fails at once); this test is about connections lost later.
  assert.equal(await executor.submit((x: number) => x, 1).result(), 1);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 400; i++) {
      futures.push(watch(executor.submit(tasks.mark, log.dir, futures.length)));
    }
    // Sent in the same tick as the XADDs: some land, some do not, and
    // replies are lost, so the executor must look for what got in.
    const racing = killAll();
    await until(() => settled() >= futures.length - 300, "some settle");
    await racing;
    await killAll(); // and again while results flow
  }
  const values = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(values, futures.map((_, i) => 2 * i));
  assert.ok(counts.every((n) => n === 1));
  assert.ok([...log.marks().values()].every((runs) => runs === 1), "no task ran twice");
  const stats = String(await admin.send(["INFO", "commandstats"]));
  console.log(
    `lost XADD replies looked for: ${/cmdstat_xrevrange:calls=(\d+)/.exec(stats)?.[1] ?? 0} times`,
  );
});

test("a claim read whose reply is lost with its connection: the node runs every entry it was delivered, beyond its room", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const stream = "cf:{jobs}:tasks";
  const name = "lost-reply";
  await admin.send(["XGROUP", "CREATE", stream, "workers", "0", "MKSTREAM"]);
  const futures = Array.from({ length: 20 }, (_, i) => executor.submit((x: number) => 2 * x, i));
  await until(async () => (await admin.send(["XLEN", stream])) === 20, "the tasks are queued");
  // What a claim read whose reply was lost leaves behind: entries delivered
  // to the node (in its pending list) that it never saw, more of them than
  // its one slot lets it read at a time.
  const delivered = await admin.send(
    ["XREADGROUP", "GROUP", "workers", name, "COUNT", 100, "STREAMS", stream, ">"],
  ) as [string, unknown[]][];
  assert.equal(delivered[0]![1].length, 20);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const stop = new AbortController();
  const served = serveWorker({
    url: server.url,
    queue: "jobs",
    executor: pool,
    allowInline: true,
    concurrency: 1,
    name,
    signal: stop.signal,
  });
  try {
    // The node's claim read, blocked: losing its connection now is what
    // makes the node look for entries it was delivered unseen.
    let claim: string | undefined;
    await until(async () => {
      const clients = String(await admin.send(["CLIENT", "LIST"])).split("\n");
      const line = clients.find((c) =>
        c.includes(` name=cf-claims-${name} `) && / flags=\w*b/.test(c) &&
        c.includes(" cmd=xreadgroup ")
      );
      claim = line === undefined ? undefined : /^id=(\d+)/.exec(line)?.[1];
      return claim !== undefined;
    }, "the node's claim read blocks");
    await admin.send(["CLIENT", "KILL", "ID", claim!]);
    await until(() => futures.every((f) => f.done()), "every delivered task has run", 10_000);
    assert.deepEqual(
      await Promise.all(futures.map((f) => f.result())),
      futures.map((_, i) => 2 * i),
    );
  } finally {
    stop.abort();
    await served;
  }
});

test("10,000 tasks with worker nodes killed at random: every future settles exactly once", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const start = () => startNode(server.url, "jobs", { allow, workers: 2, lease: 500 });
  const nodes: WorkerNode[] = await Promise.all([start(), start(), start()]);
  try {
    await using executor = new RedisExecutor({
      url: server.url,
      queue: "jobs",
      sweepInterval: 250,
    });
    const { watch, counts } = settleCounter();
    const futures = Array.from(
      { length: 10_000 },
      (_, i) => watch(executor.submit(tasks.mark, log.dir, i)),
    );
    const done = () => futures.filter((f) => f.done()).length;
    for (let kill = 1; kill <= 4; kill++) {
      await until(() => done() >= kill * 1_500, `${kill * 1_500} settle`, 60_000);
      const victim = nodes.splice(Math.floor(Math.random() * nodes.length), 1)[0]!;
      victim.kill("SIGKILL");
      await victim.exited;
      nodes.push(await start());
    }
    const outcomes = await Promise.all(futures.map((f) => f.exception()));
    const runs = log.marks();
    let lost = 0;
    outcomes.forEach((error, i) => {
      if (error === undefined) {
        assert.equal(runs.get(i), 1, `task ${i} has a value, so it ran once`);
      } else {
        assert.ok(error instanceof WorkerLostError, `task ${i}: ${error}`);
        assert.ok((runs.get(i) ?? 0) <= 1, `task ${i} ran at most once`);
        lost++;
      }
    });
    assert.ok(counts.every((n) => n === 1));
    assert.ok(lost < 10_000);
    console.log(`${lost} of 10,000 tasks lost with their workers`);
    await using admin = new RedisClient(server.url);
    await until(
      async () =>
        (await admin.send(["XPENDING", "cf:{jobs}:tasks", "workers"]) as [number])[0] === 0,
      "nothing is left pending",
    );
  } finally {
    for (const node of nodes) await node[Symbol.asyncDispose]();
  }
});
