// Partitions: Redis reached through a loopback proxy that stops forwarding
// without closing anything (tests/_tcp_proxy.ts), as a network that drops
// packets does. A connection that stops answering is dropped and opened
// again within commandTimeout; a partition that heals within offlineTimeout
// costs nothing but the pause; one that does not fails the futures with
// RedisConnectionError instead of leaving them waiting for ever.
// PARTITION_MS sets the healed partition's length (5 s in the gate); the
// issue's longer partitions run with it, one at a time:
//   PARTITION_MS=30000 deno test -A tests/redis_partition_test.ts
//   PARTITION_MS=90000 bun test --timeout 300000 ./tests/redis_partition_test.ts
// (that test's lease, offlineTimeout and orphanTimeout are twice the
// partition, at least 60 s, so a healed partition costs only the pause).
// A partition that never heals is in the gate for an executor cut off
// (RedisConnectionError after offlineTimeout) and for a node cut off past
// its lease (WorkerLostError, or a retry).

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { RedisConnectionError, RedisExecutor, WorkerLostError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { openGate } from "./_gate.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";
import { startProxy } from "./_tcp_proxy.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

function partitionMs(): number {
  try {
    return Number(process.env.PARTITION_MS ?? 5_000);
  } catch {
    return 5_000; // Deno without --allow-env
  }
}

test("a connection that stops answering is dropped within commandTimeout and opened again", async () => {
  await using server = await RedisServer.start();
  await using proxy = await startProxy(server.port);
  await using client = new RedisClient({ url: proxy.url, commandTimeout: 200 });
  assert.equal(await client.send(["PING"]), "PONG");
  proxy.cut();
  const error = await client.send(["PING"]).catch((e) => e);
  assert.ok(error instanceof RedisConnectionError && error.sent, `got ${error}`);
  assert.match(error.message, /no reply for \d+ ms \(commandTimeout\)/);
  proxy.heal();
  assert.equal(await client.send(["PING"]), "PONG");
  assert.equal(proxy.accepted, 2);
});

test("a blocking command is allowed its block time (read from its arguments) before the connection counts as dead", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient({ url: server.url, commandTimeout: 100 });
  assert.equal(await client.send(["BLPOP", "nothing", "0.5"]), null);
  assert.equal(await client.send(["XREAD", "BLOCK", 500, "STREAMS", "nothing", "$"]), null);
  assert.equal(await client.send(["WAIT", 1, 400]), 0);
});

test(`Redis unreachable for ${partitionMs()} ms mid-run, then back: every task settles once`, async () => {
  await using server = await RedisServer.start();
  await using proxy = await startProxy(server.port);
  using log = runLog();
  // All three outlast the partition: one that heals within them costs the
  // pause. (Past orphanTimeout, the node drops the executor's tasks unrun.)
  const outlast = Math.max(60_000, 2 * partitionMs());
  const connection = {
    url: proxy.url,
    commandTimeout: 1_000,
    offlineTimeout: outlast,
    orphanTimeout: outlast,
  };
  await using _node = await startNode(proxy.url, "jobs", { allow, lease: outlast });
  await using executor = new RedisExecutor({ ...connection, queue: "jobs" });
  const futures = Array.from({ length: 300 }, (_, i) => executor.submit(tasks.mark, log.dir, i));
  await until(() => futures.some((f) => f.done()), "some tasks are done");
  proxy.cut();
  await new Promise((resolve) => setTimeout(resolve, partitionMs())); // the partition itself
  proxy.heal();
  const values = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(values, futures.map((_, i) => 2 * i));
  assert.ok([...log.marks().values()].every((runs) => runs === 1), "no task ran twice");
});

test("an executor cut off from Redis fails its waiting futures with RedisConnectionError", async () => {
  await using server = await RedisServer.start();
  await using proxy = await startProxy(server.port);
  await using gate = await openGate();
  using log = runLog();
  await using _node = await startNode(server.url, "jobs", { allow });
  await using executor = new RedisExecutor({
    url: proxy.url,
    queue: "jobs",
    commandTimeout: 200,
    offlineTimeout: 500,
    connectTimeout: 500,
  });
  const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "late");
  await gate.arrived(1);
  proxy.cut(); // and never healed
  const error = await running.exception();
  assert.ok(error instanceof RedisConnectionError, `got ${error}`);
  gate.open();
  await executor.shutdown({ cancelFutures: true });
});

test("a node cut off from Redis past its lease, never healed: its task fails with WorkerLostError, or runs again on a live node when retries allow", async () => {
  await using server = await RedisServer.start();
  await using proxy = await startProxy(server.port);
  await using gate = await openGate();
  using log = runLog();
  await using cutOff = await startNode(proxy.url, "jobs", { allow, lease: 600, workers: 2 });
  await using once = new RedisExecutor({ url: server.url, queue: "jobs" });
  await using twice = new RedisExecutor({ url: server.url, queue: "jobs", retries: 1 });
  const lost = once.submit(tasks.hold, log.dir, "lost", gate.url, "never");
  const retried = twice.submit(tasks.hold, log.dir, "retried", gate.url, "second run");
  assert.deepEqual(await log.held("lost"), [cutOff.pid]);
  assert.deepEqual(await log.held("retried"), [cutOff.pid]);
  // A live node joins only now, so both tasks ran on the node cut off.
  await using live = await startNode(server.url, "jobs", { allow, lease: 600 });
  proxy.cut(); // and never healed
  const error = await lost.exception();
  assert.ok(error instanceof WorkerLostError, `got ${error}`);
  await log.held("retried", 2);
  gate.open();
  assert.equal(await retried.result(), "second run");
  assert.deepEqual(log.holders("retried").sort(), [cutOff.pid, live.pid].sort());
});
