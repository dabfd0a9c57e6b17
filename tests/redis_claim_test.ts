// A node's claim and start in one trip (_redis/claim.ts): BEGIN rides
// pipelined behind the node's blocking read, so it must decide exactly as
// START does, for exactly the entries that read delivered. Checked against
// a real server as a node sends it, including a cancel that lands between
// the claim and the start; then a node whose server forgets the script
// (SCRIPT FLUSH) still runs every task once.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisExecutor } from "../redis.ts";
import { BlockingReader } from "../_redis/blocking.ts";
import { BEGIN, Claims } from "../_redis/claim.ts";
import { RedisClient } from "../_redis/client.ts";
import { executorKey, queueKeys, resultsKey, startedKey, stopsKey } from "../_redis/layout.ts";
import type { RespValue } from "../_redis/resp.ts";
import { CANCEL } from "../_redis/scripts.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const KEYS = queueKeys("jobs");
const EXEC = "0123456789abcdef";
const ME = "node-1";

type Entries = [string, [string, string[]][]][];

// A queue with its group and a live executor EXEC; BEGIN loaded unless told.
async function queue(client: RedisClient, load = true): Promise<void> {
  await client.send(["XGROUP", "CREATE", KEYS.tasks, "workers", "$", "MKSTREAM"]);
  await client.send(["SET", executorKey(KEYS, EXEC), "1", "PX", 60_000]);
  if (load) await BEGIN.load(client);
}

function add(client: RedisClient, seq: number, options: { id?: string; o?: number } = {}) {
  const fields = ["e", EXEC, "i", seq, "f", "{}", "a", "x", "o", options.o ?? 60_000];
  return client.send(["XADD", KEYS.tasks, options.id ?? "*", ...fields]) as Promise<string>;
}

// A claim read that returns at once (entries are there), as a node sends it.
async function claim(client: RedisClient, claims: Claims): Promise<string[]> {
  const reply = await client.send(claims.read(10, 1)) as Entries | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

async function begin(client: RedisClient, claims: Claims): Promise<Map<string, number>> {
  const reply = await client.send(claims.begin(10)).catch((error: Error) => error);
  const verdicts = claims.verdicts(reply);
  assert.ok(verdicts, `BEGIN ran: ${reply}`);
  return verdicts;
}

async function notices(client: RedisClient): Promise<string[][]> {
  const entries = await client.send(["XRANGE", resultsKey(KEYS, EXEC), "-", "+"]) as Entries[0][1];
  return entries.map(([, fields]) => fields);
}

function pending(client: RedisClient): Promise<RespValue> {
  return client.send(["XPENDING", KEYS.tasks, "workers"]).then((summary) =>
    (summary as number[])[0]!
  );
}

test("BEGIN pipelined behind the claim read starts what it delivered: one trip, and a NOSCRIPT only defers it", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await queue(client, false);
  const reader = new BlockingReader(client);
  try {
    const claims = new Claims(KEYS, ME, client);
    const first = await add(client, 1);
    // The server does not know BEGIN yet: the read's entries still come,
    // with no verdict (the node starts them with START), and BEGIN is loaded.
    let [reply, begun] = await reader.readThen(claims.read(10, 1000), 1000, claims.begin(10));
    assert.equal((reply as Entries)[0]![1][0]![0], first);
    assert.equal(claims.verdicts(begun), undefined);
    claims.seen([first]);
    await until(
      async () => (await client.send(["SCRIPT", "EXISTS", BEGIN.sha]) as number[])[0] === 1,
      "BEGIN is loaded",
    );
    // The read blocks; an XADD wakes it and BEGIN runs behind it.
    const read = reader.readThen(claims.read(10, 5000), 5000, claims.begin(10));
    const second = await add(client, 2);
    [reply, begun] = await read;
    assert.deepEqual((reply as Entries)[0]![1].map(([id]) => id), [second]);
    assert.deepEqual(claims.verdicts(begun), new Map([[second, 1]]));
    assert.equal(await client.send(["SISMEMBER", startedKey(KEYS, ME), second]), 1);
    assert.equal(await client.send(["SISMEMBER", startedKey(KEYS, ME), first]), 0);
    assert.deepEqual(await notices(client), [["s", ME, "seqs", "2"]]);
  } finally {
    await reader.close();
  }
});

test("a cancel that lands between the claim and BEGIN stops the task before it starts", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await queue(client);
  const claims = new Claims(KEYS, ME, client);
  const cancelled = await add(client, 1);
  const kept = await add(client, 2);
  assert.deepEqual(await claim(client, claims), [cancelled, kept]);
  // The executor's cancel finds the entry claimed: it leaves a stop marker.
  const args = ["workers", 60_000, cancelled, 1];
  assert.deepEqual(await CANCEL.run(client, [KEYS.tasks, stopsKey(KEYS, EXEC)], args), [1]);
  assert.deepEqual(await begin(client, claims), new Map([[cancelled, 0], [kept, 1]]));
  assert.deepEqual(await notices(client), [["s", ME, "seqs", "2"]]);
  assert.equal(await client.send(["SISMEMBER", startedKey(KEYS, ME), cancelled]), 0);
  assert.equal(await client.send(["SCARD", stopsKey(KEYS, EXEC)]), 0, "the marker is used up");
  assert.equal(await pending(client), 1, "the cancelled entry is acknowledged");
});

test("BEGIN drops an entry whose executor has been silent past half its orphanTimeout, not a young one", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await queue(client);
  await client.send(["DEL", executorKey(KEYS, EXEC)]);
  const claims = new Claims(KEYS, ME, client);
  // Added 10 s ago with an orphanTimeout of 1 s; the other just now, with 60 s.
  const old = await add(client, 1, { id: `${Date.now() - 10_000}-0`, o: 1000 });
  const young = await add(client, 2);
  assert.deepEqual(await claim(client, claims), [old, young]);
  assert.deepEqual(await begin(client, claims), new Map([[old, 0], [young, 1]]));
  assert.deepEqual(await notices(client), [["s", ME, "seqs", "2"], ["o", ME, "seqs", "1"]]);
  assert.equal(await pending(client), 1);
});

test("BEGIN names only entries delivered after the last one seen, not started yet, that name a task", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  await queue(client);
  const claims = new Claims(KEYS, ME, client);
  const junk = await client.send(["XADD", KEYS.tasks, "*", "x", "y"]) as string;
  const first = await add(client, 1);
  assert.deepEqual(await claim(client, claims), [junk, first]);
  assert.deepEqual(await begin(client, claims), new Map([[first, 1]]));
  // Sent again (a reply lost with its connection): the started one is not named.
  assert.deepEqual(await begin(client, claims), new Map());
  claims.seen([junk, first]);
  const second = await add(client, 2);
  assert.deepEqual(await claim(client, claims), [second]);
  assert.deepEqual(await begin(client, claims), new Map([[second, 1]]));
  assert.deepEqual(await notices(client), [["s", ME, "seqs", "1"], ["s", ME, "seqs", "2"]]);
});

test("a node whose server forgets its scripts (SCRIPT FLUSH) runs every task once, and BEGIN comes back", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  using log = runLog();
  const allow = [new URL("./fixtures/", import.meta.url).href];
  await using _node = await startNode(server.url, "jobs", { allow });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  for (let id = 0; id < 30; id++) {
    if (id % 10 === 5) await admin.send(["SCRIPT", "FLUSH"]);
    assert.equal(await executor.submit(tasks.mark, log.dir, id).result(), 2 * id);
  }
  assert.deepEqual(log.marks(), new Map(Array.from({ length: 30 }, (_, id) => [id, 1])));
  assert.deepEqual(await admin.send(["SCRIPT", "EXISTS", BEGIN.sha]), [1]);
});
