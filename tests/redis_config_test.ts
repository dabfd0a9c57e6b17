import assert from "node:assert/strict";
import { test } from "node:test";
import { type RedisClientOptions, resolveConfig } from "../_redis/config.ts";
import { RedisClient } from "../_redis/client.ts";

test("redis:// URLs give host, port, credentials and database", () => {
  const config = resolveConfig("redis://al%40ice:p%3Ass@cache.internal:6380/4");
  assert.equal(config.host, "cache.internal");
  assert.equal(config.port, 6380);
  assert.equal(config.username, "al@ice");
  assert.equal(config.password, "p:ss");
  assert.equal(config.db, 4);
  assert.equal(config.tls, undefined);
  assert.equal(config.address, "cache.internal:6380");
});

test("defaults are localhost:6379, database 0, RESP2, no TLS", () => {
  const config = resolveConfig({});
  assert.deepEqual(
    [config.host, config.port, config.db, config.protocol, config.tls, config.password],
    ["localhost", 6379, 0, 2, undefined, undefined],
  );
  assert.equal(resolveConfig("redis://:secret@h").password, "secret");
  assert.equal(resolveConfig("redis://[::1]:7000").address, "[::1]:7000");
  assert.equal(resolveConfig("redis://[::1]:7000").host, "::1");
});

test("rediss:// turns TLS on, and options add certificates", () => {
  assert.deepEqual(resolveConfig("rediss://h").tls, {});
  assert.deepEqual(resolveConfig({ url: "rediss://h", tls: { ca: "PEM" } }).tls, { ca: "PEM" });
  assert.equal(resolveConfig({ url: "rediss://h", tls: false }).tls, undefined);
});

test("unix:// URLs and the path option name a socket", () => {
  const config = resolveConfig("unix:///run/redis/redis.sock?db=2&password=pw");
  assert.equal(config.path, "/run/redis/redis.sock");
  assert.equal(config.db, 2);
  assert.equal(config.password, "pw");
  assert.equal(config.address, "/run/redis/redis.sock");
  assert.equal(resolveConfig({ path: "/tmp/r.sock" }).address, "/tmp/r.sock");
});

test("explicit options win over the URL; undefined ones do not erase it", () => {
  // As plain JavaScript (or an options spread) may pass it.
  const options = {
    url: "redis://h:7000/3",
    db: 5,
    port: undefined,
  } as unknown as RedisClientOptions;
  const config = resolveConfig(options);
  assert.equal(config.db, 5);
  assert.equal(config.port, 7000);
});

test("bad URLs throw TypeError without repeating the password", () => {
  const cases: [string, RegExp][] = [
    ["not a url", /^Cannot parse Redis URL: not a url is not a valid URL$/],
    [
      "http://u:hunter2@h",
      /scheme must be redis:, rediss: or unix:, received http: in http:\/\/\*\*\*@h$/,
    ],
    ["redis://u:hunter2@h/zero", /database must be a number, received "zero"/],
    ["redis://u:hunter2@h/0?tls=1", /query parameters are not supported/],
    [
      "unix:///tmp/r.sock?password=hunter2&x=1",
      /unknown parameter a parameter in unix:\/\/\/tmp\/r.sock\?\*\*\*$/,
    ],
    ["unix://", /names no socket path/],
    ["unix:///tmp/r.sock?x=1", /unknown parameter "x" in unix:\/\/\/tmp\/r.sock\?\*\*\*$/],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => new RedisClient(url), (error: Error) => {
      assert.equal(error.name, "TypeError");
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  }
});

test("no part of a URL's user name or password appears in any parse error (issue 23)", () => {
  // Each form the issue reported, and its neighbours: `/`, `@`, `?`, `#` and
  // `:` in a password, other schemes, no scheme, a unix socket's query.
  const urls = [
    "redis://hunteruser:Sup3r/Secret@host/0",
    "hunteruser:Sup3r@Secret@host",
    "hunteruser:Sup3r/Secret@host:6379",
    "redis2://hunteruser:Sup3rSecret@host",
    "redis-sentinel://hunteruser:Sup3rSecret@host:26379",
    "redis://hunteruser:123/Sup3rSecret@host/0",
    "redis://hunteruser:Sup3r?Secret@host/0",
    "redis://hunteruser:Sup3r#Secret@host/0",
    "redis://hunteruser:Sup3rSecret@host/zero",
    "redis://hunteruser:Sup3rSecret@host:99999/0",
    "redis://hunteruser:Sup3rSecret@[::1/0",
    "unix:///tmp/r.sock?username=hunteruser&password=Sup3r@Secret&x=1",
    "unix:///tmp/r.sock?password=Sup3r&Secret&username=hunteruser",
    "unix:///tmp/r.sock?db=x&password=Sup3rSecret",
  ];
  for (const url of urls) {
    assert.throws(() => new RedisClient(url), (error: Error) => {
      assert.equal(error.name, "TypeError", url);
      assert.match(error.message, /^Cannot parse Redis URL: /, url);
      for (const secret of ["hunter", "Sup3r", "Secret"]) {
        assert.ok(!error.message.includes(secret), `${url}: ${error.message}`);
        assert.ok(!String(error.stack).includes(secret), `${url}: ${error.stack}`);
      }
      return true;
    }, url);
  }
});

test("bad option values throw TypeError or RangeError", () => {
  assert.throws(() => new RedisClient({ port: 0 }), {
    name: "RangeError",
    message: "Cannot create Redis client: port must be an integer from 1 to 65535, received 0",
  });
  assert.throws(() => new RedisClient({ db: -1 }), RangeError);
  assert.throws(() => new RedisClient({ port: "6379" as unknown as number }), TypeError);
  assert.throws(() => new RedisClient({ username: "alice" }), {
    name: "TypeError",
    message: "Cannot create Redis client: a username needs a password",
  });
  assert.throws(() => new RedisClient({ protocol: 4 as 3 }), RangeError);
  assert.throws(
    () => new RedisClient({ minReconnectDelay: 100, maxReconnectDelay: 10 }),
    RangeError,
  );
  assert.throws(() => new RedisClient(42 as unknown as string), TypeError);
});
