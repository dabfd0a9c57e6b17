// One name, one node: a worker node's lease carries a random token, so a
// second node started with a live node's name refuses to start, and a node
// whose lease another node took over stops claiming. Twins would share one
// pending list (and run each other's tasks again) and keep each other's
// lease alive after one died.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisExecutor } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

test("a second node with a live node's name refuses to start, and the first serves on", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using first = await startNode(server.url, "jobs", { allow, name: "twin" });
  await assert.rejects(
    startNode(server.url, "jobs", { allow, name: "twin" }),
    /exited with code 1[\s\S]*a live node already uses that name/,
  );
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const futures = Array.from({ length: 20 }, (_, i) => executor.submit(tasks.mark, log.dir, i));
  assert.equal((await Promise.all(futures.map((f) => f.result()))).length, 20);
  assert.ok([...log.marks().values()].every((runs) => runs === 1));
  assert.equal(first.stderr, "");
});

test("a node whose lease another node took over stops claiming and exits with a clear error", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  using log = runLog();
  const lease = 600;
  await using replaced = await startNode(server.url, "jobs", { allow, name: "n1", lease });
  // What a node of the same name that started while this one's lease had
  // lapsed leaves in the key: its own token.
  await admin.send(["SET", "cf:{jobs}:worker:n1", "someone-else", "PX", 60_000]);
  const { code } = await replaced.exited;
  assert.equal(code, 1);
  assert.match(replaced.stderr, /another node has taken that name/);
  await admin.send(["DEL", "cf:{jobs}:worker:n1"]);
  await using _other = await startNode(server.url, "jobs", { allow, lease });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  assert.equal(await executor.submit(tasks.mark, log.dir, 1).result(), 2);
});
