// Worker nodes as real processes (redis_worker.ts) against a real
// redis-server: sharing a queue, dying mid-task, draining on a signal,
// outliving their executor, and meeting garbage in the stream.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisExecutor, WorkerLostError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { openGate } from "./_gate.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";
import { scriptArgv } from "./_run_script.ts";
import { spawn } from "node:child_process";
import process from "node:process";

const allow = [new URL("./fixtures/", import.meta.url).href];

test("several worker nodes share a queue; each task runs once", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  using log = runLog();
  await using a = await startNode(server.url, "jobs", { allow });
  await using b = await startNode(server.url, "jobs", { allow });
  await using c = await startNode(server.url, "jobs", { allow });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const held = [0, 1, 2, 3, 4, 5].map((i) =>
    executor.submit(tasks.hold, log.dir, `t${i}`, gate.url, i)
  );
  // Each node runs one task at a time: three at once means three nodes.
  await gate.arrived(3);
  gate.open();
  assert.deepEqual(await Promise.all(held.map((f) => f.result())), [0, 1, 2, 3, 4, 5]);
  const pids = new Set([0, 1, 2, 3, 4, 5].flatMap((i) => log.holders(`t${i}`)));
  assert.deepEqual([...pids].sort(), [a.pid, b.pid, c.pid].sort());
  const marks = await Promise.all(
    Array.from({ length: 200 }, (_, i) => executor.submit(tasks.mark, log.dir, i).result()),
  );
  assert.deepEqual(marks, Array.from({ length: 200 }, (_, i) => 2 * i));
  assert.ok([...log.marks().values()].every((runs) => runs === 1));
});

test("kill -9 of a worker mid-task: WorkerLostError, or another run when retries allow", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  using log = runLog();
  const nodes = [
    await startNode(server.url, "jobs", { allow, lease: 600 }),
    await startNode(server.url, "jobs", { allow, lease: 600 }),
  ];
  const byPid = (pid: number) => nodes.find((n) => n.pid === pid)!;
  try {
    await using once = new RedisExecutor({ url: server.url, queue: "jobs" });
    const lost = once.submit(tasks.hold, log.dir, "lost", gate.url, "never");
    const [first] = await log.held("lost");
    byPid(first!).kill("SIGKILL");
    const error = await lost.exception();
    assert.ok(error instanceof WorkerLostError, `got ${error}`);
    assert.match((error as Error).message, /was lost while running it/);

    nodes.push(await startNode(server.url, "jobs", { allow, lease: 600 }));
    await using twice = new RedisExecutor({ url: server.url, queue: "jobs", retries: 1 });
    const retried = twice.submit(tasks.hold, log.dir, "retried", gate.url, "second run");
    const [victim] = await log.held("retried");
    gate.open();
    byPid(victim!).kill("SIGKILL");
    assert.equal(await retried.result(), "second run");
    const runs = log.holders("retried");
    assert.equal(runs.length, 2);
    assert.notEqual(runs[0], runs[1], "it ran again on a live node");
  } finally {
    for (const node of nodes) await node[Symbol.asyncDispose]();
  }
});

for (const [signal, pool] of [["SIGTERM", "thread"], ["SIGINT", "process"]] as const) {
  test(`a worker with a ${pool} pool drains on ${signal}: it finishes its task and takes no new one`, async () => {
    await using server = await RedisServer.start();
    await using gate = await openGate();
    using log = runLog();
    await using node = await startNode(server.url, "jobs", { allow, pool });
    await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
    const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "finished");
    await gate.arrived(1);
    node.kill(signal);
    await until(() => node.stderr.includes("finishing the running tasks"), "it stops");
    const later = executor.submit(tasks.mark, log.dir, 1);
    gate.open();
    assert.equal(await running.result(), "finished");
    assert.deepEqual(await node.exited, { code: 0, signal: null });
    assert.equal(later.done(), false);
    await using _next = await startNode(server.url, "jobs", { allow });
    assert.equal(await later.result(), 2);
  });
}

test("a node whose local pool breaks fails the task it ran with the pool's error and exits", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  using log = runLog();
  await using node = await startNode(server.url, "jobs", { allow, pool: "process" });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const running = executor.submit(tasks.hold, log.dir, "child", gate.url, "never");
  const [child] = await log.held("child"); // the pool's child process runs it
  process.kill(child!, "SIGKILL");
  const error = await running.exception();
  assert.equal((error as Error).name, "BrokenProcessPool", `got ${error}`);
  assert.equal((await node.exited).code, 1);
  assert.match(node.stderr, /broken/i);
});

test("an executor that goes away: its queued tasks are dropped unrun and its results expire", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const script = new URL("./fixtures/redis_orphan_script.ts", import.meta.url);
  const child = spawn(process.execPath, scriptArgv(script, { args: [server.url, log.dir] }), {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => {
    child.stdout!.on("data", (d) => String(d).includes("submitted") && resolve());
  });
  process.kill(child.pid!, "SIGKILL");
  await using admin = new RedisClient(server.url);
  const keys = async (pattern: string) => (await admin.send(["KEYS", pattern]) as string[]).length;
  await until(async () => await keys("cf:{jobs}:executor:*") === 0, "its key expires");
  await using _node = await startNode(server.url, "jobs", { allow });
  await until(async () => {
    const [[, , , , , pending, , , , , , lag]] = await admin.send([
      "XINFO",
      "GROUPS",
      "cf:{jobs}:tasks",
    ]) as [
      unknown[],
    ];
    return pending === 0 && lag === 0;
  }, "every entry is settled");
  assert.equal(log.marks().size, 0, "nothing ran");
  await until(async () => await keys("cf:{jobs}:results:*") === 0, "its results stream expires");
});

test("a poisoned entry fails only itself; garbage that names no task is dropped", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const badArgs = executor.submit(tasks.mark, log.dir, 1);
  const badFn = executor.submit(tasks.mark, log.dir, 2);
  const good = executor.submit(tasks.mark, log.dir, 3);
  await using admin = new RedisClient(server.url);
  const stream = "cf:{jobs}:tasks";
  await until(async () => await admin.send(["XLEN", stream]) === 3, "the three are queued");
  const entries = await admin.send(["XRANGE", stream, "-", "+"]) as [string, string[]][];
  const corrupt = async ([id, fields]: [string, string[]], field: string, value: string) => {
    const copy = [...fields];
    copy[copy.indexOf(field) + 1] = value;
    await admin.send(["XDEL", stream, id]);
    await admin.send(["XADD", stream, "*", ...copy]);
  };
  await corrupt(entries[0]!, "a", "\x01{not json");
  await corrupt(entries[1]!, "f", '{"kind":"shell","cmd":"rm -rf /"}');
  await admin.send(["XADD", stream, "*", "junk", "\xff\x00garbage"]);
  await admin.send(["XADD", stream, "*", "e", "../../etc", "i", "1"]);
  await using node = await startNode(server.url, "jobs", { allow });
  assert.match(String(await badArgs.exception()), /TypeError: Cannot decode value/);
  assert.match(
    String(await badFn.exception()),
    /TypeError: Cannot run task: its function is not a task spec/,
  );
  assert.equal(await good.result(), 6);
  assert.equal(await executor.submit(tasks.mark, log.dir, 4).result(), 8, "the node goes on");
  assert.deepEqual([...log.marks().keys()].sort(), [3, 4]);
  await until(() => (node.stderr.match(/-\d+\b/g) ?? []).length >= 2, "it reports both");
  assert.match(node.stderr, /dropped \d stream entr(y|ies) that name(s)? no task/);
});
