// The stream and key commands a RedisExecutor is built from, run through the
// client against a real server: what they return is what the executor parses.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisClient } from "../_redis/client.ts";
import { RedisError } from "../_redis/errors.ts";
import type { RespValue } from "../_redis/resp.ts";
import { RedisServer } from "./_redis_server.ts";

const text = new TextDecoder();

async function waitUntilBlocked(admin: RedisClient): Promise<void> {
  for (;;) {
    const info = String(await admin.send(["INFO", "clients"]));
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1]) >= 1) return;
  }
}

function redisError(error: unknown, code: string): void {
  assert.ok(error instanceof RedisError, `expected a RedisError, got ${error}`);
  assert.equal(error.code, code);
}

test("XGROUP CREATE MKSTREAM makes the stream and group once; again is BUSYGROUP", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  assert.equal(await client.send(["XGROUP", "CREATE", "tasks", "workers", "$", "MKSTREAM"]), "OK");
  assert.equal(await client.send(["XLEN", "tasks"]), 0);
  redisError(
    await client.send(["XGROUP", "CREATE", "tasks", "workers", "$", "MKSTREAM"]).catch((e) => e),
    "BUSYGROUP",
  );
  redisError(
    await client.send(["XREADGROUP", "GROUP", "nobody", "w1", "STREAMS", "tasks", ">"]).catch((e) =>
      e
    ),
    "NOGROUP",
  );
});

test("XREADGROUP BLOCK on a duplicate connection wakes on XADD, with binary fields intact", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await using blocking = client.duplicate({ name: "worker-1" });
  await client.send(["XGROUP", "CREATE", "tasks", "workers", "$", "MKSTREAM"]);
  const read = blocking.send(
    ["XREADGROUP", "GROUP", "workers", "w1", "COUNT", 10, "BLOCK", 0, "STREAMS", "tasks", ">"],
    { bytes: true },
  );
  await waitUntilBlocked(client);
  assert.equal(await client.send(["PING"]), "PONG", "the first client is not held up");
  const payload = new Uint8Array([0, 1, 13, 10, 255]);
  const id = await client.send(["XADD", "tasks", "*", "task", payload]) as string;
  assert.match(id, /^\d+-\d+$/);
  const [[stream, entries]] = await read as [[Uint8Array, [Uint8Array, Uint8Array[]][]]];
  assert.equal(text.decode(stream), "tasks");
  assert.equal(entries.length, 1);
  assert.equal(text.decode(entries[0]![0]), id);
  assert.deepEqual(entries[0]![1], [new TextEncoder().encode("task"), payload]);
  // BLOCK with a timeout and nothing new returns null (the server's timer, not ours).
  assert.equal(
    await blocking.send([
      "XREADGROUP",
      "GROUP",
      "workers",
      "w1",
      "BLOCK",
      1,
      "STREAMS",
      "tasks",
      ">",
    ]),
    null,
  );
});

test("XPENDING, XAUTOCLAIM, XACK and XDEL track a claimed entry to the end", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await client.send(["XGROUP", "CREATE", "tasks", "workers", "$", "MKSTREAM"]);
  const id = await client.send(["XADD", "tasks", "*", "task", "t1"]) as string;
  await client.send([
    "XREADGROUP",
    "GROUP",
    "workers",
    "dead",
    "COUNT",
    1,
    "STREAMS",
    "tasks",
    ">",
  ]);
  assert.deepEqual(await client.send(["XPENDING", "tasks", "workers"]), [1, id, id, [[
    "dead",
    "1",
  ]]]);
  // min-idle-time 0 claims at once; a real sweep passes the lease length.
  const claimed = await client.send([
    "XAUTOCLAIM",
    "tasks",
    "workers",
    "alive",
    0,
    "0-0",
    "COUNT",
    10,
  ]);
  assert.deepEqual(claimed, ["0-0", [[id, ["task", "t1"]]], []]);
  const [[pendingId, owner, idle, deliveries]] = await client.send([
    "XPENDING",
    "tasks",
    "workers",
    "-",
    "+",
    10,
  ]) as [[string, string, number, number]];
  assert.deepEqual([pendingId, owner, deliveries], [id, "alive", 2]);
  assert.equal(typeof idle, "number");
  assert.equal(await client.send(["XACK", "tasks", "workers", id]), 1);
  assert.deepEqual(await client.send(["XPENDING", "tasks", "workers"]), [0, null, null, null]);
  assert.equal(await client.send(["XDEL", "tasks", id]), 1);
  assert.equal(await client.send(["XLEN", "tasks"]), 0);
  // A claim of an entry deleted while pending reports it as deleted.
  const gone = await client.send(["XADD", "tasks", "*", "task", "t2"]) as string;
  await client.send(["XREADGROUP", "GROUP", "workers", "dead", "STREAMS", "tasks", ">"]);
  await client.send(["XDEL", "tasks", gone]);
  const sweep = await client.send([
    "XAUTOCLAIM",
    "tasks",
    "workers",
    "alive",
    0,
    "0-0",
  ]) as RespValue[];
  assert.deepEqual(sweep, ["0-0", [], [gone]]);
});

test("SET NX PX takes a lease once; EXPIRE and PEXPIRE set key lifetimes", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  assert.equal(await client.send(["SET", "lease:t1", "w1", "NX", "PX", 30_000]), "OK");
  assert.equal(await client.send(["SET", "lease:t1", "w2", "NX", "PX", 30_000]), null);
  assert.equal(await client.send(["GET", "lease:t1"]), "w1");
  const leaseTtl = await client.send(["PTTL", "lease:t1"]) as number;
  assert.ok(leaseTtl > 0 && leaseTtl <= 30_000);
  await client.send(["XADD", "results:exec-1", "*", "id", "1", "ok", "1"]);
  assert.equal(await client.send(["EXPIRE", "results:exec-1", 60]), 1);
  const ttl = await client.send(["TTL", "results:exec-1"]) as number;
  assert.ok(ttl > 0 && ttl <= 60);
  assert.equal(await client.send(["PEXPIRE", "results:exec-1", 120_000, "GT"]), 1);
  assert.equal(
    await client.send(["PEXPIRE", "results:exec-1", 1_000, "GT"]),
    0,
    "GT never shortens",
  );
  assert.equal(await client.send(["PEXPIRE", "missing", 1_000]), 0);
});
