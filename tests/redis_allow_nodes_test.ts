// Issue 23's attacks on a worker node's allow list, against a real node
// process and a real redis-server: every module that would escape the
// allowed folder writes a marker file when imported; none may, and each
// caller gets TaskRefusedError. And what a failed import returns never
// quotes the file it tried to load.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fromModule } from "../future.ts";
import { RedisExecutor, TaskRefusedError } from "../redis.ts";
import { RedisClient } from "../_redis/client.ts";
import { startNode } from "./_redis_nodes.ts";
import { until } from "./_redis_runs.ts";
import { RedisServer } from "./_redis_server.ts";

const PASSWD_LINE = "root:x:0:0:root:/root:/bin/bash";
// Imported, it leaves a marker beside itself: the proof that it ran.
const EVIL = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./evil.ran", import.meta.url), "ran");
export function run() { return "evil"; }
`;

interface Site extends Disposable {
  /** The tree's root as a file URL, with a trailing slash. */
  readonly root: string;
  readonly ran: () => boolean;
}

// root/ok/task.ts (allowed), root/ok/secret.ts (a password file inside the
// prefix), root/evil.ts and root/passwd outside it, root/ok/out -> root.
function site(): Site {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "allow-node-")));
  mkdirSync(join(dir, "ok"));
  writeFileSync(join(dir, "ok/task.ts"), "export function ok(x: number) { return x + 1; }\n");
  writeFileSync(join(dir, "ok/secret.ts"), `${PASSWD_LINE}\ndaemon:x:1:1::/:/bin/sh\n`);
  writeFileSync(join(dir, "evil.ts"), EVIL);
  writeFileSync(join(dir, "passwd"), `${PASSWD_LINE}\n`);
  symlinkSync(dir, join(dir, "ok/out"));
  return {
    root: pathToFileURL(dir).href + "/",
    ran: () => existsSync(join(dir, "evil.ran")),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function task(module: string, name = "run") {
  return (fromModule(module) as Record<string, never>)[name]!;
}

test("a node refuses every escape from its allow prefix in the issue's table; the module never runs", async () => {
  using s = site();
  await using server = await RedisServer.start();
  await using node = await startNode(server.url, "jobs", { allow: [`${s.root}ok/`] });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const escapes = [
    "ok/../evil.ts",
    "ok/..%2fevil.ts",
    "ok/..%2Fevil.ts",
    "ok/%2e%2e%2fevil.ts",
    "ok/..%5cevil.ts",
    "ok/..%252fevil.ts",
    "ok/out/evil.ts", // a symlink inside the prefix that leads outside
    "okay/../evil.ts",
    `ok/${"..%2f".repeat(12)}${s.root.slice("file:///".length).replaceAll("/", "%2f")}passwd`,
  ];
  for (const escape of escapes) {
    const error = await executor.submit(task(`${s.root}${escape}`), 1).exception();
    assert.ok(error instanceof TaskRefusedError, `${escape}: got ${error}`);
    assert.doesNotMatch(String((error as Error).stack), /root:x:0:0/);
  }
  assert.equal(s.ran(), false, "an escaped module ran on the node");
  // The node does import what it allows: the refusals above are not a broken import.
  assert.equal(await executor.submit(task(`${s.root}ok/task.ts`, "ok"), 41).result(), 42);
  assert.equal(node.stderr, "");
});

test("a node refuses backslashes, NUL and npm: dot segments written into task entries by hand", async () => {
  using s = site();
  await using server = await RedisServer.start();
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const modules = [
    `${s.root}ok\\..\\evil.ts`,
    `${s.root}ok/..\\evil.ts`,
    `${s.root}ok/..%5Cevil.ts`,
    `${s.root}ok/../evil.ts\u0000`,
    `${s.root}ok/..%00/evil.ts`,
    "npm:left-pad@1.3.0/../../../../evil",
    "jsr:@std/path@1.0.0/../../@evil/x",
  ];
  // Real entries of a real executor, so the node's answers reach futures;
  // their function is then rewritten, as anyone with XADD could, before a
  // node is up to claim them.
  const futures = modules.map(() => executor.submit(task(`${s.root}ok/task.ts`, "ok"), 1));
  await using admin = new RedisClient(server.url);
  const stream = "cf:{jobs}:tasks";
  await until(async () => await admin.send(["XLEN", stream]) === modules.length, "all queued");
  const entries = await admin.send(["XRANGE", stream, "-", "+"]) as [string, string[]][];
  for (const [at, [id, fields]] of entries.entries()) {
    const copy = [...fields];
    copy[copy.indexOf("f") + 1] = JSON.stringify({
      kind: "module",
      module: modules[at],
      name: "run",
    });
    await admin.send(["XDEL", stream, id]);
    await admin.send(["XADD", stream, "*", ...copy]);
  }
  await using _node = await startNode(server.url, "jobs", {
    allow: [`${s.root}ok/`, "npm:left-pad@1.3.0"],
  });
  for (const [at, future] of futures.entries()) {
    const error = await future.exception();
    assert.ok(error instanceof TaskRefusedError, `${JSON.stringify(modules[at])}: got ${error}`);
  }
  assert.equal(s.ran(), false, "an escaped module ran on the node");
});

test("an http prefix: an encoded slash never reaches the server, nor runs what it would serve", async () => {
  using s = site();
  const requests: string[] = [];
  const web = createServer((request, response) => {
    requests.push(request.url ?? "");
    // As Python's http.server does: decode %2F, then resolve the path.
    const path = new URL(decodeURIComponent(request.url ?? "/"), "http://x").pathname;
    response.writeHead(200, { "content-type": "text/javascript" });
    response.end(path === "/evil.js" ? EVIL.replace("./evil.ran", `${s.root}evil.ran`) : "");
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  try {
    const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    await using server = await RedisServer.start();
    await using _node = await startNode(server.url, "jobs", { allow: [`${origin}/tasks/`] });
    await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
    for (const escape of ["..%2fevil.js", "..%2Fevil.js", "..%5cevil.js", "%2e%2e%2fevil.js"]) {
      const error = await executor.submit(task(`${origin}/tasks/${escape}`), 1).exception();
      assert.ok(error instanceof TaskRefusedError, `${escape}: got ${error}`);
    }
    assert.deepEqual(requests, []);
    assert.equal(s.ran(), false);
  } finally {
    await new Promise((resolve) => web.close(resolve));
  }
});

test("a missing module is refused, but not remembered: deployed later, it runs", async () => {
  using s = site();
  await using server = await RedisServer.start();
  await using _node = await startNode(server.url, "jobs", { allow: [`${s.root}ok/`] });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const later = `${s.root}ok/later.ts`;
  const missing = await executor.submit(task(later), 1).exception();
  assert.ok(missing instanceof TaskRefusedError, `got ${missing}`);
  assert.match((missing as Error).message, /does not exist on this worker/);
  // Before the pool imports anything from the folder (Bun caches what a
  // folder holds once it has resolved a module in it).
  writeFileSync(new URL(later), "export const run = () => 7;\n");
  assert.equal(await executor.submit(task(later), 1).result(), 7);
});

test("a module that fails to parse fails its task without quoting the file", async () => {
  using s = site();
  await using server = await RedisServer.start();
  await using _node = await startNode(server.url, "jobs", { allow: [`${s.root}ok/`] });
  await using executor = new RedisExecutor({ url: server.url, queue: "jobs" });
  const secret = `${s.root}ok/secret.ts`;
  const error = await executor.submit(task(secret), 1).exception() as Error;
  assert.ok(error instanceof SyntaxError, `got ${error}`);
  assert.equal(
    error.message,
    `Cannot import task module ${secret}: it (or a module it imports) does not parse`,
  );
  for (const text of [String(error), String(error.stack), JSON.stringify(error)]) {
    assert.doesNotMatch(text, /root:x|daemon|\/bin\/(ba)?sh/);
  }
  // The loader's own error names only the module and the export: kept as it is.
  const noExport = await executor.submit(task(`${s.root}ok/task.ts`, "nope"), 1).exception();
  assert.ok(noExport instanceof TypeError, `got ${noExport}`);
  assert.match(String(noExport), /has no exported function named "nope"/);
});
