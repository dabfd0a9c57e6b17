// A burst of submits made before the executor's first connection is up:
// every task waits for it (in the executor, not in the client's bounded
// queue of commands) and settles. The gate runs BURST_GATE submits (about
// 20 s here); set REDIS_BURST (say 1000000) for the full-size run the issue
// describes, which adds the same burst through map().

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import type { Future } from "../future.ts";
import { RedisExecutor } from "../redis.ts";
import { QueueFullError } from "../future.ts";
import { startNode } from "./_redis_nodes.ts";
import { RedisServer } from "./_redis_server.ts";

// Above the client's 100,000 commands allowed to wait for a connection,
// which the burst used to run into; 1M takes minutes on a small machine.
const BURST_GATE = 110_000;

function env(): string | undefined {
  try {
    return process.env.REDIS_BURST;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

function burstSize(): number {
  return Number(env() ?? BURST_GATE);
}

test("submits made before the first connection is up all settle, however many", async () => {
  await using server = await RedisServer.start();
  // The node in a process of its own: the burst holds this one's event loop.
  await using _node = await startNode(server.url, "jobs", { workers: 2 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const count = burstSize();
  const futures: Future<number>[] = [];
  for (let i = 0; i < count; i++) futures.push(executor.submit((x: number) => x + 1, i));
  let sum = 0;
  for (const future of futures) sum += await future.result();
  assert.equal(sum, count * (count + 1) / 2);
});

test(
  "a map over more inputs than the client lets wait, started before the first connection, yields every result",
  {
    skip: env() === undefined,
  },
  async () => {
    await using server = await RedisServer.start();
    // The node in a process of its own: the burst holds this one's event loop.
    await using _node = await startNode(server.url, "jobs", { workers: 2 });
    await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
    const count = burstSize();
    let n = 0;
    let sum = 0;
    for await (
      const value of executor.map(
        (x: number) => x * 2,
        Array.from({ length: count }, (_, i) => i),
      )
    ) {
      sum += value;
      n++;
    }
    assert.equal(n, count);
    assert.equal(sum, count * (count - 1));
  },
);

test("a burst that holds the event loop past connectTimeout and offlineTimeout still connects, and every task settles", async () => {
  await using server = await RedisServer.start();
  await using _node = await startNode(server.url, "jobs", { workers: 2 });
  const timeouts = { connectTimeout: 500, offlineTimeout: 500 };
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", ...timeouts });
  const futures: Future<number>[] = [];
  // As a long synchronous burst does: the loop is busy for 3× the timeouts
  // (a task a millisecond, as if each took that long to prepare).
  const end = performance.now() + 1_500;
  for (let next = performance.now(); next < end; next += 1) {
    futures.push(executor.submit((x: number) => x, futures.length));
    while (performance.now() < next + 1) {
      // busy: the event loop does not run
    }
  }
  const values = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(values, futures.map((_, i) => i));
});

test("maxQueue bounds the tasks waiting for Redis: one more throws QueueFullError, whenReady() waits for room", async () => {
  await using server = await RedisServer.start();
  await using _node = await startNode(server.url, "jobs", { workers: 2 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs", maxQueue: 4 });
  const futures = [1, 2, 3, 4].map((i) => executor.submit((x: number) => x, i));
  assert.throws(() => executor.submit((x: number) => x, 5), QueueFullError);
  await executor.whenReady();
  futures.push(executor.submit((x: number) => x, 5));
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [1, 2, 3, 4, 5]);
});

test("map over an endless input reads it only as fast as Redis acknowledges, and yields results", async () => {
  await using server = await RedisServer.start();
  await using _node = await startNode(server.url, "jobs", { workers: 2 });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  function* naturals() {
    for (let n = 0;; n++) yield n;
  }
  const firsts: number[] = [];
  for await (const value of executor.map((x: number) => x * 2, naturals())) {
    firsts.push(value);
    if (firsts.length === 5) break;
  }
  assert.deepEqual(firsts, [0, 2, 4, 6, 8]);
  // The tasks submitted ahead need not run.
  await executor.shutdown({ cancelFutures: true });
});
