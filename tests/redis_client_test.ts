import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RedisClient } from "../_redis/client.ts";
import type { RedisClientEvent } from "../_redis/config.ts";
import { RedisConnectionError, RedisError } from "../_redis/errors.ts";
import type { RespValue } from "../_redis/resp.ts";
import { freePort, RedisServer } from "./_redis_server.ts";
import { runScript } from "./_run_script.ts";

// Resolves once `admin` sees `count` clients blocked in a command: the signal
// that a blocking command has reached the server.
async function waitUntilBlocked(admin: RedisClient, count = 1): Promise<void> {
  for (;;) {
    const info = String(await admin.send(["INFO", "clients"]));
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1]) >= count) return;
  }
}

// An onEvent listener that records events and lets a test wait for one.
function eventLog(): {
  events: RedisClientEvent[];
  onEvent: (event: RedisClientEvent) => void;
  next: (type: RedisClientEvent["type"]) => Promise<RedisClientEvent>;
} {
  const events: RedisClientEvent[] = [];
  const waiters: [RedisClientEvent["type"], (event: RedisClientEvent) => void][] = [];
  return {
    events,
    onEvent(event) {
      events.push(event);
      for (const [i, [type, resolve]] of waiters.entries()) {
        if (type === event.type) {
          waiters.splice(i, 1);
          resolve(event);
          break;
        }
      }
    },
    next: (type) => new Promise((resolve) => waiters.push([type, resolve])),
  };
}

function connectionError(error: unknown): RedisConnectionError {
  assert.ok(error instanceof RedisConnectionError, `expected a RedisConnectionError, got ${error}`);
  assert.equal(error.name, "RedisConnectionError");
  return error;
}

test("replies come back in order, matched to their commands, errors included", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  const counts = await Promise.all(
    Array.from({ length: 10_000 }, () => client.send(["INCR", "n"])),
  );
  assert.deepEqual(counts, Array.from({ length: 10_000 }, (_, i) => i + 1));
  const mixed = await Promise.allSettled([
    client.send(["SET", "a", "1"]),
    client.send(["INCR", "a"]),
    client.send(["NOSUCHCOMMAND"]),
    client.send(["GET", "a"]),
    client.send(["LPUSH", "a", "x"]),
    client.send(["ECHO", "last"]),
  ]);
  const outcome = mixed.map((r) =>
    r.status === "fulfilled" ? r.value : (r.reason as RedisError).code
  );
  assert.deepEqual(outcome, ["OK", 2, "ERR", "2", "WRONGTYPE", "last"]);
});

test("values are binary-safe both ways, and text is UTF-8", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient(server.url);
  const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
  const large = new Uint8Array(1 << 20);
  for (let i = 0; i < large.length; i += 65_536) {
    crypto.getRandomValues(large.subarray(i, i + 65_536));
  }
  await client.send(["SET", everyByte, everyByte]);
  await client.send(["SET", "large", large]);
  assert.deepEqual(await client.send(["GET", everyByte], { bytes: true }), everyByte);
  const back = await client.send(["GET", "large"], { bytes: true }) as Uint8Array;
  assert.ok(back.length === large.length && back.every((b, i) => b === large[i]));
  assert.equal(await client.send(["STRLEN", "large"]), large.length);
  await client.send(["SET", "text", "héllo ✓ 😀"]);
  assert.equal(await client.send(["GET", "text"]), "héllo ✓ 😀");
  assert.equal(await client.send(["STRLEN", "text"]), 15, "bytes of UTF-8");
});

test("a password-only login (requirepass) works, a wrong one fails clearly, none gets NOAUTH", async () => {
  await using server = await RedisServer.start({ password: "s3cret" });
  const url = `redis://:s3cret@127.0.0.1:${server.port}`;
  await using client = new RedisClient(url);
  assert.equal(await client.send(["ACL", "WHOAMI"]), "default");
  await using wrong = new RedisClient(`redis://:nope@127.0.0.1:${server.port}`);
  const error = connectionError(await wrong.connect().catch((e) => e));
  assert.equal(
    error.message,
    `Cannot connect to Redis at 127.0.0.1:${server.port}: authentication failed: ` +
      "WRONGPASS invalid username-password pair or user is disabled.",
  );
  assert.equal((error.cause as RedisError).code, "WRONGPASS");
  assert.equal(error.sent, false);
  await using anonymous = new RedisClient(`redis://127.0.0.1:${server.port}`);
  const refused = await anonymous.send(["GET", "k"]).catch((e) => e);
  assert.ok(refused instanceof RedisError);
  assert.equal(refused.code, "NOAUTH");
});

test("an ACL user logs in with AUTH (RESP2) and with HELLO 3 AUTH (RESP3)", async () => {
  await using server = await RedisServer.start({ users: { alice: "wonderland" } });
  for (const protocol of [2, 3] as const) {
    await using client = new RedisClient({
      url: `redis://alice:wonderland@127.0.0.1:${server.port}`,
      protocol,
    });
    assert.equal(await client.send(["ACL", "WHOAMI"]), "alice");
    await using wrong = new RedisClient({
      url: `redis://alice:mirror@127.0.0.1:${server.port}`,
      protocol,
    });
    const error = connectionError(await wrong.send(["PING"]).catch((e) => e));
    assert.match(
      error.message,
      /^Cannot connect to Redis at 127\.0\.0\.1:\d+: authentication failed: WRONGPASS /,
    );
  }
});

test("the URL's database is selected, and databases are kept apart", async () => {
  await using server = await RedisServer.start();
  await using db2 = new RedisClient(`${server.url}/2`);
  await using db0 = new RedisClient(server.url);
  await db2.send(["SET", "where", "two"]);
  assert.equal(await db0.send(["GET", "where"]), null);
  assert.equal(await db2.send(["GET", "where"]), "two");
  assert.match(String(await db2.send(["CLIENT", "INFO"])), / db=2 /);
  await using tooFar = new RedisClient(`${server.url}/99`);
  const error = connectionError(await tooFar.connect().catch((e) => e));
  assert.match(error.message, /: cannot select database 99: ERR DB index is out of range$/);
});

test("a unix socket works as a unix:// URL and as the path option", async () => {
  await using server = await RedisServer.start({ unixSocket: true });
  await using byUrl = new RedisClient(`${server.url}?db=1`);
  await using byPath = new RedisClient({ path: server.socketPath, db: 1 });
  await byUrl.send(["SET", "k", "over a socket"]);
  assert.equal(await byPath.send(["GET", "k"]), "over a socket");
  assert.equal(byPath.address, server.socketPath);
});

test("no server: connect() and queued commands fail at once with the address and reason", async () => {
  const port = await freePort();
  await using client = new RedisClient(`redis://127.0.0.1:${port}`);
  const [connecting, queued] = await Promise.allSettled([
    client.connect(),
    client.send(["GET", "k"]),
  ]);
  for (const result of [connecting, queued]) {
    assert.equal(result.status, "rejected");
    const error = connectionError(result.reason);
    assert.equal(error.message, `Cannot connect to Redis at 127.0.0.1:${port}: connection refused`);
    assert.equal(error.sent, false);
  }
  assert.equal(client.status, "idle");
  const dir = mkdtempSync(join(tmpdir(), "redis-missing-"));
  try {
    await using unix = new RedisClient(`unix://${dir}/redis.sock`);
    const error = connectionError(await unix.connect().catch((e) => e));
    assert.equal(
      error.message,
      `Cannot connect to Redis at ${dir}/redis.sock: no socket at that path`,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a server that accepts but never answers fails the connection after connectTimeout", async () => {
  await using server = await RedisServer.start({ password: "pw" });
  await using client = new RedisClient({
    url: `redis://:pw@127.0.0.1:${server.port}`,
    connectTimeout: 100,
  });
  server.freeze(true);
  try {
    const error = connectionError(await client.connect().catch((e) => e));
    assert.equal(
      error.message,
      `Cannot connect to Redis at 127.0.0.1:${server.port}: timed out after 100 ms`,
    );
    assert.equal(error.sent, false);
  } finally {
    server.freeze(false);
  }
  assert.equal(await client.send(["PING"]), "PONG", "the next command connects afresh");
});

test("server restarted mid-run: the in-flight command fails as maybe-run, queued ones wait, later ones work", async () => {
  await using server = await RedisServer.start();
  const log = eventLog();
  await using client = new RedisClient({
    url: server.url,
    minReconnectDelay: 5,
    maxReconnectDelay: 20,
    onEvent: log.onEvent,
  });
  await using admin = new RedisClient(server.url);
  await client.send(["SET", "before", "1"]);
  // Caught now: it fails while the test is still awaiting the stop.
  const blocked = client.send(["BLPOP", "never", 0]).catch((e: unknown) => e);
  await waitUntilBlocked(admin);
  const dropped = log.next("disconnect");
  await server.halt();
  const error = connectionError(await blocked);
  assert.equal(error.sent, true);
  assert.match(
    error.message,
    /^Cannot get reply from Redis at 127\.0\.0\.1:\d+: .+; the command may or may not have run$/,
  );
  await dropped;
  const whileDown = client.send(["INCR", "after"]);
  const reconnected = log.next("connect");
  await server.resume();
  assert.equal(await whileDown, 1, "the queued command ran once, on the new connection");
  await reconnected;
  assert.equal(await client.send(["GET", "before"]), null, "a fresh server (nothing persisted)");
  assert.equal(client.status, "ready");
  const types = log.events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 3), ["connect", "disconnect", "reconnecting"]);
  assert.equal(types.at(-1), "connect");
});

test("commands sent while disconnected fail with sent: false after offlineTimeout", async () => {
  await using server = await RedisServer.start();
  const log = eventLog();
  await using client = new RedisClient({
    url: server.url,
    offlineTimeout: 50,
    minReconnectDelay: 5,
    maxReconnectDelay: 20,
    onEvent: log.onEvent,
  });
  await client.connect();
  const dropped = log.next("disconnect");
  await server.halt();
  await dropped;
  const error = connectionError(await client.send(["SET", "k", "expired"]).catch((e) => e));
  assert.equal(error.sent, false);
  assert.match(
    error.message,
    /^Cannot send command to Redis at 127\.0\.0\.1:\d+: no connection for 50 ms \(.+\)$/,
  );
  const reconnected = log.next("connect");
  await server.resume();
  await reconnected;
  assert.equal(await client.send(["GET", "k"]), null, "the expired SET was never sent");
});

test("with reconnect: false a dropped client stays down until the next command", async () => {
  await using server = await RedisServer.start();
  const log = eventLog();
  await using client = new RedisClient({ url: server.url, reconnect: false, onEvent: log.onEvent });
  await client.connect();
  const dropped = log.next("disconnect");
  await server.halt();
  await dropped;
  assert.equal(client.status, "idle");
  await server.resume();
  assert.equal(await client.send(["PING"]), "PONG");
  assert.deepEqual(log.events.map((e) => e.type), ["connect", "disconnect", "connect"]);
});

test("close() waits for the replies owed, then refuses new commands", async () => {
  await using server = await RedisServer.start();
  const client = new RedisClient(server.url);
  await client.connect();
  const set = client.send(["SET", "k", "v"]);
  await client.close();
  assert.equal(await set, "OK");
  assert.equal(client.status, "closed");
  const error = connectionError(await client.send(["PING"]).catch((e) => e));
  assert.match(error.message, /: the client is closed$/);
  await client.close(); // closing twice is harmless
});

test("close({ force: true }) fails a blocking command in flight as maybe-run", async () => {
  await using server = await RedisServer.start();
  const client = new RedisClient(server.url);
  await using admin = client.duplicate();
  // Caught now: it fails while the test is still awaiting the stop.
  const blocked = client.send(["BLPOP", "never", 0]).catch((e: unknown) => e);
  await waitUntilBlocked(admin);
  await client.close({ force: true });
  const error = connectionError(await blocked);
  assert.equal(error.sent, true);
  assert.match(error.message, /: the client was closed; the command may or may not have run$/);
});

test("a duplicate runs blocking commands while the original stays responsive", async () => {
  await using server = await RedisServer.start();
  await using client = new RedisClient({ url: server.url, name: "main" });
  await using blocking = client.duplicate({ name: "blocking" });
  const popped = blocking.send(["BLPOP", "queue", 0]);
  await waitUntilBlocked(client);
  assert.equal(await client.send(["PING"]), "PONG");
  await client.send(["RPUSH", "queue", "job"]);
  assert.deepEqual(await popped, ["queue", "job"]);
  assert.match(String(await blocking.send(["CLIENT", "INFO"])), / name=blocking /);
});

test("RESP3 (HELLO 3) gives maps, sets, doubles and push messages", async () => {
  await using server = await RedisServer.start();
  const log = eventLog();
  await using client = new RedisClient({ url: server.url, protocol: 3, onEvent: log.onEvent });
  await using resp2 = client.duplicate({ protocol: 2 });
  const hello = await client.send(["HELLO", 3]) as Map<RespValue, RespValue>;
  assert.equal(hello.get("proto"), 3);
  await client.send(["HSET", "h", "a", "1", "b", "2"]);
  assert.deepEqual(await client.send(["HGETALL", "h"]), new Map([["a", "1"], ["b", "2"]]));
  assert.deepEqual(await resp2.send(["HGETALL", "h"]), ["a", "1", "b", "2"]);
  await client.send(["SADD", "s", "x"]);
  assert.deepEqual(await client.send(["SMEMBERS", "s"]), new Set(["x"]));
  await client.send(["ZADD", "z", 1.5, "m"]);
  assert.equal(await client.send(["ZSCORE", "z", "m"]), 1.5);
  assert.equal(await resp2.send(["ZSCORE", "z", "m"]), "1.5");
  // Client tracking sends an invalidation push when a read key changes.
  await client.send(["CLIENT", "TRACKING", "ON"]);
  await client.send(["GET", "tracked"]);
  const push = log.next("push");
  await resp2.send(["SET", "tracked", "changed"]);
  assert.deepEqual(await push, { type: "push", data: ["invalidate", ["tracked"]] });
  assert.equal(await client.send(["PING"]), "PONG", "a push does not shift the replies");
});

test("rediss:// talks TLS to a server with a private CA, and refuses it without the CA", async () => {
  await using server = await RedisServer.start({ tls: true });
  await using byIp = new RedisClient({ url: server.url, tls: { ca: server.ca } });
  assert.equal(await byIp.send(["PING"]), "PONG");
  await using byName = new RedisClient({
    url: `rediss://localhost:${server.port}/1`,
    tls: { ca: new TextEncoder().encode(server.ca) },
  });
  assert.match(String(await byName.send(["CLIENT", "INFO"])), / db=1 /);
  await using untrusted = new RedisClient(server.url);
  const error = connectionError(await untrusted.connect().catch((e) => e));
  assert.match(error.message, /^Cannot connect to Redis at 127\.0\.0\.1:\d+: .*certificate/i);
});

test("an unref'd, a closed and a never-connected client all let the process exit", async () => {
  await using server = await RedisServer.start();
  const dir = mkdtempSync(join(tmpdir(), "redis-unref-"));
  try {
    const url = JSON.stringify(server.url);
    // Each script prints one line and must then exit by itself: anything the
    // client left running (socket, reconnect or offline timer) would hold it
    // until runScript's limit.
    const scripts: Record<string, string> = {
      unref: `const c = new RedisClient(${url});\nc.unref();\n` +
        `console.log(await c.send(["PING"]));\nawait c.send(["SET", "k", "v"]);\n`,
      closed: `const c = new RedisClient(${url});\n` +
        `console.log(await c.send(["PING"]));\nawait c.close();\n`,
      refused:
        `const c = new RedisClient({ port: ${await freePort()}, offlineTimeout: 2 ** 31 - 1 });\n` +
        `console.log(await c.send(["GET", "k"]).catch((e) => e.name));\n`,
    };
    const expected: Record<string, string> = {
      unref: "PONG",
      closed: "PONG",
      refused: "RedisConnectionError",
    };
    const module = JSON.stringify(new URL("../_redis/client.ts", import.meta.url).href);
    for (const [name, body] of Object.entries(scripts)) {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, `import { RedisClient } from ${module};\n${body}`);
      const result = await runScript(new URL(`file://${file}`), { limitMs: 20_000 });
      assert.equal(result.stdout.trim(), expected[name], `${name}: ${result.stderr}`);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
