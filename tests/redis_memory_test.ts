// RedisExecutor and worker nodes against Redis's memory limit: a server
// that may evict keys is refused (or, told so, accepted with a warning),
// keys that disappear fail their futures with TaskLostError instead of
// leaving them waiting, and a server past maxmemory refuses new tasks
// without making a live node look lost or stalling what it runs.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EvictionPolicyError,
  RedisError,
  RedisExecutor,
  serveWorker,
  TaskLostError,
} from "../redis.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { RedisClient } from "../_redis/client.ts";
import { openGate } from "./_gate.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, stderrOf, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

test("a server that may evict keys is refused by executors and nodes, unless dangerouslyAllowEviction (one warning)", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  await admin.send(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
  await using local = new ThreadPoolExecutor({ maxWorkers: 1 });
  {
    await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
    const refused = await executor.submit(tasks.mark, "/nowhere", 1).exception();
    assert.ok(refused instanceof EvictionPolicyError, `got ${refused}`);
    assert.equal(refused.policy, "allkeys-lru");
    assert.match(refused.message, /maxmemory-policy is allkeys-lru.*noeviction/);
    const worker = serveWorker({ url: server.url, queue: "jobs", executor: local, allow });
    await assert.rejects(worker, EvictionPolicyError);
  }
  using log = runLog();
  const stop = new AbortController();
  const warnings = await stderrOf(async () => {
    const options = { url: server.url, queue: "jobs", dangerouslyAllowEviction: true };
    const served = serveWorker({ ...options, executor: local, allow, signal: stop.signal });
    await using executor = new RedisExecutor(options);
    const values = await Promise.all([1, 2, 3].map((i) => executor.submit(tasks.mark, log.dir, i)));
    assert.deepEqual(await Promise.all(values.map((f) => f.result())), [2, 4, 6]);
    stop.abort();
    await served;
  });
  const dangers = warnings.filter((line) => /DANGER: .*maxmemory-policy allkeys-lru/.test(line));
  assert.equal(dangers.length, 1, warnings.join("\n"));
});

test("a user that may not read the configuration gets one warning, and the queue works", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  await admin.send(["ACL", "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all", "-config"]);
  const url = server.url.replace("redis://", "redis://app:pw@");
  await using _node = await startNode(url, "jobs", { allow });
  using log = runLog();
  const warnings = await stderrOf(async () => {
    await using executor = new RedisExecutor({ url, queue: "jobs" });
    assert.equal(await executor.submit(tasks.mark, log.dir, 4).result(), 8);
    assert.equal(await executor.submit(tasks.mark, log.dir, 5).result(), 10);
  });
  const unreadable = warnings.filter((line) => /cannot read maxmemory-policy/.test(line));
  assert.equal(unreadable.length, 1, warnings.join("\n"));
});

for (
  const [what, wipe] of [
    ["FLUSHDB", ["FLUSHDB"]],
    ["the task stream deleted by hand", ["DEL", "cf:{jobs}:tasks"]],
  ] as const
) {
  test(`${what}: unfinished futures fail with TaskLostError at the next sweep, and the node serves on`, async () => {
    await using server = await RedisServer.start();
    await using admin = new RedisClient(server.url);
    await using gate = await openGate();
    using log = runLog();
    await using node = await startNode(server.url, "jobs", { allow });
    // Its liveness key is refreshed far later than a test lasts: only the
    // sweep can tell.
    await using executor = new RedisExecutor({
      url: server.url,
      queue: "jobs",
      orphanTimeout: 600_000,
      sweepInterval: 50,
    });
    assert.equal(await executor.submit(tasks.mark, log.dir, 1).result(), 2);
    const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "late");
    const queued = Array.from({ length: 10 }, (_, i) => executor.submit(tasks.mark, log.dir, i));
    await gate.arrived(1);
    await admin.send([...wipe]);
    for (const future of [running, ...queued]) {
      const error = await future.exception();
      assert.ok(error instanceof TaskLostError, `got ${error}`);
    }
    gate.open();
    assert.equal(await executor.submit(tasks.mark, log.dir, 100).result(), 200);
    assert.doesNotMatch(node.stderr, /cannot deliver/);
  });
}

test("past maxmemory: a new task fails with OOM; a live node keeps its lease, and what it holds finishes", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  await using gate = await openGate();
  using log = runLog();
  const lease = 600;
  await using node = await startNode(server.url, "jobs", { allow, lease });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", sweepInterval: 20 });
  const running = executor.submit(tasks.hold, log.dir, "running", gate.url, "done");
  const queued = Array.from({ length: 5 }, (_, i) => executor.submit(tasks.mark, log.dir, i));
  await gate.arrived(1);
  // Every write that may grow memory is refused from here on.
  await admin.send(["CONFIG", "SET", "maxmemory", "1"]);
  const refused = await executor.submit(tasks.mark, log.dir, 99).exception();
  assert.ok(refused instanceof RedisError && refused.code === "OOM", `got ${refused}`);
  assert.match(refused.message, /Cannot queue task: Redis is out of memory/);
  // The lease is renewed (its time to live goes up) twice while refused:
  // more than a lease has passed, and the node still counts as alive.
  const key = `cf:{jobs}:worker:${node.name}`;
  let renewals = 0;
  let last = Number(await admin.send(["PTTL", key]));
  await until(async () => {
    const ttl = Number(await admin.send(["PTTL", key]));
    if (ttl > last) renewals++;
    last = ttl;
    return renewals >= 4;
  }, "the lease is renewed past maxmemory");
  gate.open();
  assert.equal(await running.result(), "done");
  assert.deepEqual(await Promise.all(queued.map((f) => f.result())), [0, 2, 4, 6, 8]);
  await admin.send(["CONFIG", "SET", "maxmemory", "0"]);
  assert.equal(await executor.submit(tasks.mark, log.dir, 7).result(), 14);
});

test("a node that starts while Redis is past maxmemory creates its group and serves (nothing hangs)", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  using log = runLog();
  const executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  try {
    const queued = [1, 2, 3].map((i) => executor.submit(tasks.mark, log.dir, i));
    await until(async () => await admin.send(["XLEN", "cf:{jobs}:tasks"]) === 3, "queued");
    await admin.send(["CONFIG", "SET", "maxmemory", "1"]);
    // The stream has no group yet: the first node creates it past
    // maxmemory (XGROUP CREATE was refused with OOM), the second finds it.
    await using _first = await startNode(server.url, "jobs", { allow });
    await using _second = await startNode(server.url, "jobs", { allow });
    assert.deepEqual(await Promise.all(queued.map((f) => f.result())), [2, 4, 6]);
  } finally {
    await executor.shutdown({ cancelFutures: true });
  }
});

test("the eviction policy is read again at every reconnect: a server back with allkeys-lru is refused by executors and nodes", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  using log = runLog();
  await using node = await startNode(server.url, "jobs", { allow });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  assert.equal(await executor.submit(tasks.mark, log.dir, 1).result(), 2);
  // As a server restarted with another configuration: new policy, new connections.
  await admin.send(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
  await admin.send(["CLIENT", "KILL", "TYPE", "normal"]);
  let exit: number | null | undefined;
  void node.exited.then(({ code }) => (exit = code));
  await until(() => exit !== undefined, "the node stops");
  assert.equal(exit, 1);
  assert.match(node.stderr, /maxmemory-policy is allkeys-lru/);
  await until(async () => {
    const clients = String(await admin.send(["CLIENT", "LIST"]));
    return clients.includes(`name=cf-executor-`);
  }, "the executor is connected again");
  const refused = await executor.submit(tasks.mark, log.dir, 2).exception();
  assert.ok(refused instanceof EvictionPolicyError, `got ${refused}`);
  assert.equal(log.marks().get(2), undefined, "it was not queued");
});
