// No part of a Redis URL's user name or password in anything printed or
// thrown (issue 23, item 5): the worker CLI fed each bad form through
// REDIS_URL and --url, and connection errors from a real redis-server.

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { RedisConnectionError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { RedisServer } from "./_redis_server.ts";
import { runCommand, scriptArgv } from "./_run_script.ts";

const WORKER = new URL("../redis_worker.ts", import.meta.url);
const SECRETS = ["hunteruser", "Sup3r", "Secret"];

// The forms the issue reported: `/` and `@` in a password, schemes outside
// redis:/rediss:/unix:, no scheme at all, and a unix socket's query.
const BAD_URLS = [
  "redis://hunteruser:Sup3r/Secret@host/0",
  "hunteruser:Sup3r@Secret@host",
  "redis2://hunteruser:Sup3rSecret@host",
  "redis-sentinel://hunteruser:Sup3rSecret@host:26379",
  "redis://hunteruser:123/Sup3rSecret@host/0",
  "unix:///tmp/r.sock?username=hunteruser&password=Sup3r@Secret&x=1",
];

function assertNoSecret(text: string, what: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${what}:\n${text}`);
}

for (const via of ["REDIS_URL", "--url"] as const) {
  test(`the worker CLI prints its usage, never the credentials, for a bad URL in ${via}`, async () => {
    for (const url of BAD_URLS) {
      const args = ["--queue", "jobs", "--pool", "thread", "--workers", "1"];
      if (via === "--url") args.push("--url", url);
      const result = await runCommand(process.execPath, scriptArgv(WORKER, { args }), {
        env: via === "REDIS_URL" ? { REDIS_URL: url } : {},
      });
      const output = result.stdout + result.stderr;
      assert.equal(result.code, 2, `${url}: ${output}`);
      assert.match(result.stderr, /^Cannot parse Redis URL: .*\nUsage: redis_worker/, url);
      assertNoSecret(output, url);
    }
  });
}

test("connection errors and a node's log name the address, never the credentials", async () => {
  await using server = await RedisServer.start({ users: { hunteruser: "right" } });
  const url = `redis://hunteruser:Sup3rSecret@127.0.0.1:${server.port}/0`;
  await using client = new RedisClient({ url, reconnect: false });
  const error = await client.send(["PING"]).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof RedisConnectionError, `got ${error}`);
  assert.match(error.message, /authentication failed/);
  assertNoSecret(`${error.message}\n${error.stack}\n${String(error.cause)}`, "connection error");
  // The node starts, fails to log in, says so and exits 1.
  const args = ["--queue", "jobs", "--pool", "thread", "--workers", "1"];
  const result = await runCommand(process.execPath, scriptArgv(WORKER, { args }), {
    env: { REDIS_URL: url },
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /authentication failed/);
  assertNoSecret(result.stdout + result.stderr, "node output");
});
