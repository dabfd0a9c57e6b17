// Failover: a replica (a real redis-server --replicaof) promoted after its
// primary is killed, while the replication link had stalled, so the replica
// misses the last claims. Worker nodes run a task only once a replica has
// its claim (WAIT), so the promoted replica never hands out again a task
// that already ran: no task runs twice, and every future settles.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Future } from "../future.ts";
import { RedisExecutor, TaskLostError, WorkerLostError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { startNode } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";
import { startProxy } from "./_tcp_proxy.ts";

const allow = [new URL("./fixtures/", import.meta.url).href];

async function replOffset(client: RedisClient): Promise<number> {
  const info = String(await client.send(["INFO", "replication"]));
  return Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
}

test("a replica promoted after its primary died, having missed the last claims: no task runs twice, every future settles", async () => {
  await using primary = await RedisServer.start();
  await using toPrimary = new RedisClient(primary.url);
  await toPrimary.send(["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
  await using link = await startProxy(primary.port);
  await using replica = await RedisServer.start({ replicaOf: link.port });
  await using toReplica = new RedisClient(replica.url);
  await until(
    async () => /master_link_status:up/.test(String(await toReplica.send(["INFO", "replication"]))),
    "the replica is in sync",
  );
  // Clients reach "the primary" through a proxy, as through a DNS name or
  // a sentinel that points elsewhere after a failover.
  await using front = await startProxy(primary.port);
  using log = runLog();
  const options = { allow, lease: 20_000, workers: 2 };
  await using _a = await startNode(front.url, "jobs", options);
  await using _b = await startNode(front.url, "jobs", options);
  await using executor = new RedisExecutor({ url: front.url, queue: "jobs" });
  const futures: Future<number>[] = [];
  for (let i = 0; i < 400; i++) futures.push(executor.submit(tasks.mark, log.dir, i));
  await until(() => futures.filter((f) => f.done()).length >= 100, "some tasks are done");
  link.cut();
  const atCut = await replOffset(toPrimary);
  // Claims (and, without WAIT, runs) go on that the replica never sees.
  await until(async () => await replOffset(toPrimary) > atCut, "writes after the cut");
  await primary.halt();
  await toReplica.send(["REPLICAOF", "NO", "ONE"]);
  front.retarget(replica.port);
  let lost = 0;
  for (const [i, future] of futures.entries()) {
    const error = await future.exception();
    if (error === undefined) assert.equal(await future.result(), 2 * i);
    else {
      assert.ok(error instanceof TaskLostError || error instanceof WorkerLostError, `got ${error}`);
      lost++;
    }
  }
  const twice = [...log.marks()].filter(([, runs]) => runs > 1).map(([id]) => id);
  assert.deepEqual(twice, [], "no task ran twice");
  console.log(`failover: ${futures.length - lost} settled with their value, ${lost} lost`);
});
