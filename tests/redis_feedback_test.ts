// What a newcomer sees: an executor whose tasks wait with no worker node
// serving the queue fires `nonodes` and says so once on stderr; a node
// logs each task it refuses, and with --verbose each task's start and end.

import assert from "node:assert/strict";
import { test } from "node:test";
import { fromModule } from "../future.ts";
import { RedisExecutor, TaskRefusedError } from "../redis.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, stderrOf, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

test("tasks waiting with no worker node: one nonodes event and one warning, then a node serves them", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const warnings = await stderrOf(async () => {
    await using executor = new RedisExecutor({
      url: server.url,
      queue: "jobs",
      noNodesTimeout: 100,
    });
    const events: { queued: number; waited: number }[] = [];
    const told = new Promise<void>((resolve) => {
      executor.addEventListener("nonodes", (event) => {
        events.push(event.detail);
        resolve();
      });
    });
    const futures = [1, 2, 3].map((i) => executor.submit(tasks.mark, log.dir, i));
    await told;
    assert.equal(events[0]!.queued, 3);
    assert.ok(events[0]!.waited >= 100);
    await using _node = await startNode(server.url, "jobs", { allow });
    assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [2, 4, 6]);
    assert.equal(events.length, 1, "once per stretch without nodes");
  });
  const said = warnings.filter((line) =>
    /3 tasks wait on queue jobs and no worker node/.test(line)
  );
  assert.equal(said.length, 1, warnings.join("\n"));
});

test("warnNoNodes: false keeps stderr quiet; the event still fires", async () => {
  await using server = await RedisServer.start();
  const warnings = await stderrOf(async () => {
    await using executor = new RedisExecutor({
      url: server.url,
      queue: "jobs",
      noNodesTimeout: 50,
      warnNoNodes: false,
    });
    const told = new Promise((resolve) => executor.addEventListener("nonodes", resolve));
    const future = executor.submit((x: number) => x, 1);
    await told;
    future.cancel();
  });
  assert.deepEqual(warnings, []);
});

test("a node logs each task it refuses (module and reason), and with --verbose each start and end", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using node = await startNode(server.url, "jobs", { allow, verbose: true });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const outside = fromModule<{ gated: () => string }>(new URL("./_gate.ts", import.meta.url));
  const refused = await executor.submit(outside.gated).exception();
  assert.ok(refused instanceof TaskRefusedError, `got ${refused}`);
  assert.equal(await executor.submit(tasks.mark, log.dir, 5).result(), 10);
  await until(() => / ended ok in \d+ ms/.test(node.stderr), "the end is logged");
  assert.match(node.stderr, /refused task \S+ \S+_gate\.ts#gated: Cannot run task: module/);
  assert.match(node.stderr, /task \S+ \S+redis_tasks\.ts#mark started/);
});
