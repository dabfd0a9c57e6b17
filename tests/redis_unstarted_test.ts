// A task a worker node claimed but never started is not lost when the node
// dies: it goes to another node, whatever `retries` says, and runs once.
// "Claimed" is real: an entry delivered by XREADGROUP to a consumer whose
// lease is gone (a node that died between its read and its start), or the
// task a node would have read ahead while its slots were busy.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisExecutor, WorkerLostError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { openGate } from "./_gate.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];
const TASKS = "cf:{jobs}:tasks";

test("a task delivered to a node that died before starting it runs on another node, with retries 0", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  using log = runLog();
  await admin.send(["XGROUP", "CREATE", TASKS, "workers", "0", "MKSTREAM"]);
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", retries: 0 });
  const future = executor.submit(tasks.mark, log.dir, 7);
  await until(async () => Number(await admin.send(["XLEN", TASKS])) === 1, "the task is queued");
  // Delivered to "ghost", which has no lease: a node gone right after its read.
  const read = await admin.send(["XREADGROUP", "GROUP", "workers", "ghost", "STREAMS", TASKS, ">"]);
  assert.ok(read !== null, "the ghost claimed the task");
  await using _node = await startNode(server.url, "jobs", { allow, lease: 600 });
  assert.equal(await future.result(), 14);
  assert.deepEqual([...log.marks()], [[7, 1]]);
});

test("kill -9 of a node running a task: the task queued behind it is not lost but runs on the next node", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  using log = runLog();
  const first = await startNode(server.url, "jobs", { allow, lease: 600 });
  try {
    const options = { url: server.url, queue: "jobs", retries: 0, sweepInterval: 100 };
    await using executor = new RedisExecutor(options);
    const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "never");
    await gate.arrived(1);
    const behind = executor.submit(tasks.mark, log.dir, 3);
    first.kill("SIGKILL");
    await first.exited;
    const error = await running.exception();
    assert.ok(error instanceof WorkerLostError, `got ${error}`);
    await using _next = await startNode(server.url, "jobs", { allow, lease: 600 });
    assert.equal(await behind.result(), 6);
    assert.deepEqual([...log.marks()], [[3, 1]]);
  } finally {
    await first[Symbol.asyncDispose]();
  }
});
