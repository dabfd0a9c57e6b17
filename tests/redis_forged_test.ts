// What a writer to the queue can forge (issue 23, item 6), against a real
// redis-server, written with the project's own RESP client: a "started"
// notice from a worker that holds no lease, a task entry with a huge time
// limit.

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { RedisExecutor, WorkerLostError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const STREAM = "cf:{jobs}:tasks";

// The executor id and seq of the only task entry in the queue.
async function onlyEntry(admin: RedisClient): Promise<{ exec: string; seq: string; id: string }> {
  await until(async () => await admin.send(["XLEN", STREAM]) === 1, "the task is queued");
  const entries = await admin.send(["XRANGE", STREAM, "-", "+"]) as [string, string[]][];
  const [id, fields] = entries[0]!;
  const field = (name: string) => fields[fields.indexOf(name) + 1]!;
  return { exec: field("e"), seq: field("i"), id };
}

test("a forged started notice from a worker with no lease fails the task with WorkerLostError", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using admin = new RedisClient(server.url);
  const executor = new RedisExecutor({ url: server.url, queue: "jobs", sweepInterval: 100 });
  try {
    const future = executor.submit(tasks.mark, log.dir, 1);
    const { exec, seq } = await onlyEntry(admin);
    // No node runs: only the forged notice says the task started.
    await admin.send(["XADD", `cf:{jobs}:results:${exec}`, "*", "s", "ghost", "seqs", seq]);
    await until(() => future.running(), "the forged notice is read");
    const error = await future.exception();
    assert.ok(error instanceof WorkerLostError, `got ${error}`);
    assert.match((error as Error).message, /worker "ghost" said it started the task/);
    assert.equal(log.marks().size, 0);
  } finally {
    // With the future failed, shutdown has nothing to wait for.
    await executor.shutdown({ cancelFutures: true });
  }
});

test("a started notice naming another worker than the one that holds the task fails it", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using admin = new RedisClient(server.url);
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", sweepInterval: 100 });
  const future = executor.submit(tasks.mark, log.dir, 1);
  const { exec, seq, id } = await onlyEntry(admin);
  // The entry is claimed (pending) under "holder", whose lease is alive.
  await admin.send(["XGROUP", "CREATE", STREAM, "workers", "0", "MKSTREAM"]);
  await admin.send(["XREADGROUP", "GROUP", "workers", "holder", "STREAMS", STREAM, ">"]);
  await admin.send(["SET", "cf:{jobs}:worker:holder", "1", "PX", 60_000]);
  await admin.send(["XADD", `cf:{jobs}:results:${exec}`, "*", "s", "ghost", "seqs", seq]);
  const error = await future.exception();
  assert.ok(error instanceof WorkerLostError, `got ${error}`);
  // The entry was left as it was: it is still pending under its holder.
  const pending = await admin.send(["XPENDING", STREAM, "workers", id, id, 1]) as unknown[][];
  assert.equal(pending[0]![1], "holder");
});

test("tasks started by real nodes are not failed by the check, however many sweeps pass", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const allow = [new URL("./fixtures/", import.meta.url).href];
  await using _node = await startNode(server.url, "jobs", { allow, workers: 2 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", sweepInterval: 10 });
  const marks = await Promise.all(
    Array.from({ length: 300 }, (_, i) => executor.submit(tasks.mark, log.dir, i).result()),
  );
  assert.deepEqual(marks, Array.from({ length: 300 }, (_, i) => 2 * i));
});

test("a task entry with a huge time limit fails alone, with no timer warning", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on("warning", onWarning);
  try {
    await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
    await using admin = new RedisClient(server.url);
    const huge = executor.submit(tasks.mark, log.dir, 1);
    const { id } = await onlyEntry(admin);
    const entries = await admin.send(["XRANGE", STREAM, id, id]) as [string, string[]][];
    await admin.send(["XDEL", STREAM, id]);
    await admin.send(["XADD", STREAM, "*", ...entries[0]![1], "t", String(2 ** 40)]);
    const allow = [new URL("./fixtures/", import.meta.url).href];
    await using node = await startNode(server.url, "jobs", { allow });
    const error = await huge.exception();
    assert.ok(error instanceof TypeError, `got ${error}`);
    assert.match((error as Error).message, /field t is not an integer from 1 to 2147483647/);
    assert.equal(log.marks().size, 0, "it did not run");
    assert.equal(await executor.submit(tasks.mark, log.dir, 2).result(), 4, "the node goes on");
    assert.doesNotMatch(node.stderr, /TimeoutOverflowWarning/);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});
