// RedisExecutor against a real redis-server, with worker nodes in this
// process: what the executor promises beyond the conformance suite.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, TimeoutError } from "../future.ts";
import { RedisConnectionError, RedisExecutor, serveWorker, TaskRefusedError } from "../redis.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { RedisClient } from "../_redis/client.ts";
import { gated, openGate } from "./_gate.ts";
import { ServedRedisExecutor } from "./_redis_nodes.ts";
import { runLog, tasks, until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";
import { runScript } from "./_run_script.ts";

/** An in-process worker node on `queue`, stopped and drained on dispose. */
function node(
  url: string,
  queue: string,
  options: { allow?: string[]; allowInline?: boolean } = {},
): AsyncDisposable {
  const local = new ThreadPoolExecutor({ maxWorkers: 1 });
  const stop = new AbortController();
  const served = serveWorker({
    url,
    queue,
    executor: local,
    concurrency: 1,
    signal: stop.signal,
    ...options,
  });
  return {
    async [Symbol.asyncDispose]() {
      stop.abort();
      await served;
      await local.shutdown();
    },
  };
}

test("a worker refuses inline functions unless allowInline, and modules outside its allow prefixes", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using _node = node(server.url, "jobs", { allow: ["https://jsr.io/@nobody/"] });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const inline = await executor.submit((x: number) => x, 1).exception();
  assert.ok(inline instanceof TaskRefusedError, `got ${inline}`);
  assert.match((inline as Error).message, /allowInline/);
  const module = await executor.submit(tasks.mark, log.dir, 1).exception();
  assert.ok(module instanceof TaskRefusedError);
  assert.match((module as Error).message, /outside this worker's allow prefixes/);
  assert.equal(log.marks().size, 0, "nothing was imported or run");
});

test("a module under the allow prefixes runs; a prefix is compared after normalization", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  const folder = new URL("./fixtures/", import.meta.url).href;
  // "…/tests/x/../fixtures/" normalizes to the folder itself.
  const allow = [folder.replace(/fixtures\/$/, "x/../fixtures/")];
  await using _node = node(server.url, "jobs", { allow });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  assert.equal(await executor.submit(tasks.mark, log.dir, 21).result(), 42);
  assert.deepEqual([...log.marks()], [[21, 1]]);
});

test("cancel() before any worker claims the task wins: it never runs", async () => {
  await using server = await RedisServer.start();
  using log = runLog();
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const cancelled = executor.submit(tasks.mark, log.dir, 1);
  assert.equal(cancelled.cancel(), true);
  await using admin = new RedisClient(server.url);
  // The CANCEL script deletes the entry: no worker will ever see it.
  await until(async () => await admin.send(["XLEN", "cf:{jobs}:tasks"]) === 0, "the entry is gone");
  const taskModule = new URL("./fixtures/redis_tasks.ts", import.meta.url).href;
  await using _node = node(server.url, "jobs", { allow: [taskModule] });
  assert.equal(await executor.submit(tasks.mark, log.dir, 2).result(), 4);
  await assert.rejects(cancelled.result(), CancelledError);
  assert.deepEqual([...log.marks()], [[2, 1]]);
});

test("with({ signal }): a claimed task fails at once with the reason; the executor goes on", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  await using executor = new ServedRedisExecutor(server.url, 1);
  const controller = new AbortController();
  const running = executor.with({ signal: controller.signal }).submit(gated, gate.url, "late");
  await gate.arrived(1);
  assert.equal(running.running(), true);
  const reason = new Error("caller gave up");
  controller.abort(reason);
  assert.equal(await running.exception(), reason);
  gate.open();
  assert.equal(await executor.submit((x: number) => x + 1, 1).result(), 2);
});

test("with({ timeLimit }) fails a claimed task that runs too long with TimeoutError", async () => {
  await using server = await RedisServer.start();
  await using gate = await openGate();
  await using executor = new ServedRedisExecutor(server.url, 1);
  const slow = executor.with({ timeLimit: 200 }).submit(gated, gate.url, "slow");
  const error = await slow.exception();
  assert.ok(error instanceof TimeoutError, `got ${error}`);
  assert.match((error as Error).message, /timeLimit of 200 ms/);
  assert.equal(await gate.arrived(1), undefined, "it was claimed and ran");
  gate.open();
  const quick = executor.with({ timeLimit: 60_000 }).submit((x: number) => x * 3, 3);
  assert.equal(await quick.result(), 9);
});

test("shutdown() removes the executor's keys; nothing of it stays in Redis", async () => {
  await using server = await RedisServer.start();
  const executor = new ServedRedisExecutor(server.url, 1);
  await Promise.all([1, 2, 3].map((x) => executor.submit((n: number) => n, x).result()));
  await executor.shutdown();
  await using admin = new RedisClient(server.url);
  const keys = await admin.send(["KEYS", "cf:*"]) as string[];
  assert.deepEqual(keys.filter((k) => !k.endsWith(":tasks")), []);
});

test("a wrong password fails the futures and serveWorker with RedisConnectionError", async () => {
  await using server = await RedisServer.start({ password: "right" });
  const url = server.url.replace("redis://", "redis://:wrong@");
  await using executor = new RedisExecutor({ url, queue: "jobs" });
  const error = await executor.submit((x: number) => x, 1).exception();
  assert.ok(error instanceof RedisConnectionError, `got ${error}`);
  assert.match((error as Error).message, /authentication failed/);
  assert.doesNotMatch((error as Error).message, /wrong/, "the password is never repeated");
  const local = new ThreadPoolExecutor({ maxWorkers: 1 });
  await assert.rejects(
    serveWorker({ url, queue: "jobs", executor: local }),
    (e) => e instanceof RedisConnectionError && /authentication failed/.test(e.message),
  );
  await local.shutdown();
});

test("executor and worker work over a unix socket and over TLS", async () => {
  {
    await using server = await RedisServer.start({ unixSocket: true });
    await using executor = new ServedRedisExecutor(server.url, 1);
    assert.equal(await executor.submit((s: string) => s + "!", "unix").result(), "unix!");
  }
  await using server = await RedisServer.start({ tls: true });
  await using executor = new ServedRedisExecutor(server.url, 1, { tls: { ca: server.ca } });
  const error = await new RedisExecutor({ url: server.url, queue: "q" }).submit(() => 1)
    .exception();
  assert.ok(error instanceof RedisConnectionError, "a certificate it does not trust is refused");
  assert.equal(await executor.submit((s: string) => s + "!", "tls").result(), "tls!");
});

test("least-privilege ACL users (as in the README) are enough for workers and executors", async () => {
  await using server = await RedisServer.start();
  await using admin = new RedisClient(server.url);
  const common = "on resetkeys ~cf:{jobs}:* resetchannels -@all +@connection +@scripting " +
    "+xadd +xack +xdel +xpending +xrange +xrevrange +xtrim +xinfo|groups +xgroup|delconsumer " +
    "+exists +pexpire +time +set +del +sadd +srem +smismember +client|id +client|unblock " +
    "+client|setname";
  await admin.send([
    "ACL",
    "SETUSER",
    "jobs-worker",
    ...`${common} >w +xreadgroup +xgroup|create`.split(" "),
  ]);
  await admin.send(["ACL", "SETUSER", "jobs-client", ...`${common} >c +xread`.split(" ")]);
  const at = server.url.replace("redis://", "");
  await using _node = node(`redis://jobs-worker:w@${at}`, "jobs", { allowInline: true });
  await using executor = new RedisExecutor({
    url: `redis://jobs-client:c@${at}`,
    queue: "jobs",
    sweepInterval: 10,
  });
  const cancelled = executor.submit((x: number) => x, 0);
  cancelled.cancel();
  const gate = await openGate();
  const slow = executor.submit(gated, gate.url, "slow");
  await gate.arrived(1);
  // While it runs, the executor sweeps for lost workers every 10 ms.
  await until(
    async () => /cmdstat_xinfo\|groups/.test(String(await admin.send(["INFO", "commandstats"]))),
    "a sweep ran",
  );
  gate.open();
  assert.equal(await slow.result(), "slow");
  assert.deepEqual(
    await Array.fromAsync(executor.map((x: number) => x * 2, [1, 2, 3], { chunksize: 2 })),
    [2, 4, 6],
  );
  await gate[Symbol.asyncDispose]();
  assert.deepEqual(await admin.send(["ACL", "LOG"]), [], "nothing was refused");
  await using denied = new RedisClient(`redis://jobs-client:c@${at}`);
  await assert.rejects(denied.send(["GET", "elsewhere"]), /NOPERM/);
});

test("an idle executor that was never shut down does not keep the program alive", async () => {
  await using server = await RedisServer.start();
  await using _node = node(server.url, "jobs", { allowInline: true });
  const result = await runScript(new URL("./fixtures/redis_idle_script.ts", import.meta.url), {
    args: [server.url],
    limitMs: 20_000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), "42");
});

test("await using at the top level of a program completes its shutdown, and the program ends", async () => {
  await using server = await RedisServer.start();
  await using _node = node(server.url, "jobs", { allowInline: true });
  const result = await runScript(new URL("./fixtures/redis_dispose_script.ts", import.meta.url), {
    args: [server.url],
    limitMs: 20_000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "42\ndisposed\n");
});
