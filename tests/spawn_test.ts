import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkDenoPermissions,
  childCovers,
  denoPermissionFlags,
  type DenoPermissions,
  type QueryPermission,
} from "../_runtime/deno/permissions.ts";
import { runtime } from "../_runtime/runtime.ts";
import type { ExitStatus } from "../_pool/transport.ts";
import { checkCanSpawn, spawnChild } from "../_runtime/spawn.ts";
import { ECHO_ENTRY, ECHO_SOURCE, type EchoChild, startEcho } from "./fixtures/_echo_client.ts";
import { isRunning, runScript, waitFor } from "./_run_script.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const denoOnly = { skip: runtime !== "deno" && "Deno permissions" };
// The import flags of a child that may import from no host at all.
const NO_IMPORT = ["--allow-import=jsr.io:443", "--deny-import=jsr.io:443"];

// Ends a test's child whatever happened, and checks it reported one exit.
async function dispose(echo: EchoChild): Promise<void> {
  echo.child.kill("SIGKILL");
  await echo.exited;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(echo.exits(), 1, "exit reported exactly once");
}

test("checkCanSpawn() passes on this runtime with every permission", () => {
  checkCanSpawn();
});

test("an echo round trip carries every kind of value", async () => {
  const echo = startEcho();
  try {
    const [kind, pid] = await echo.next();
    assert.equal(kind, "ready");
    assert.equal(pid, echo.child.pid);
    const values = [
      1n,
      new Map([[1, new Set(["a"])]]),
      new Date(5),
      /x/g,
      {
        plain: [1, "two", null],
      },
      new Float64Array([1.5, NaN]),
      undefined,
      -0,
    ];
    echo.send(["echo", ...values]);
    assert.deepEqual(await echo.next(), ["echo", ...values]);
  } finally {
    await dispose(echo);
  }
});

test("frames sent back to back arrive whole and in order, large ones too", async () => {
  const echo = startEcho();
  try {
    await echo.next();
    echo.send(["burst", 2000, 10]);
    echo.send(["burst", 3, 4 << 20]); // more than a pipe holds: writes block
    for (let i = 0; i < 2003; i++) {
      const [kind, n, bytes] = await echo.next();
      assert.equal(kind, "burst");
      assert.equal(n, i < 2000 ? i : i - 2000);
      assert.equal((bytes as Uint8Array).length, i < 2000 ? 10 : 4 << 20);
      assert.equal((bytes as Uint8Array)[9], (n as number) & 0xff);
    }
    const big = new Uint8Array(16 << 20).map((_, i) => i % 251);
    echo.send(["echo", big]);
    assert.deepEqual(await echo.next(), ["echo", big]);
  } finally {
    await dispose(echo);
  }
});

test("end() lets the child exit by itself with code 0", async () => {
  const echo = startEcho();
  await echo.next();
  echo.child.end();
  assert.deepEqual(await echo.exited, { code: 0, signal: null });
  await dispose(echo);
});

for (const command of ["exit", "runtime-exit"]) {
  test(`a child that exits with code 3 (${command}) reports it after its last frame`, async () => {
    const echo = startEcho();
    await echo.next();
    echo.send([command, 3]);
    assert.deepEqual(await echo.next(), ["bye"]);
    assert.deepEqual(await echo.exited, { code: 3, signal: null });
    // Once exited, a child ignores everything without throwing.
    echo.send(["echo", 1]);
    echo.child.end();
    echo.child.kill("SIGKILL");
    await dispose(echo);
  });
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`a child killed with ${signal} reports the signal`, async () => {
    const echo = startEcho();
    await echo.next();
    echo.child.kill(signal);
    assert.deepEqual(await echo.exited, { code: null, signal });
    await dispose(echo);
  });
}

test("a child that cannot start reports exit({ error }), not a throw", async () => {
  const echo = startEcho({ args: ["null\0byte"] });
  const status = await echo.exited;
  assert.equal(echo.child.pid, undefined);
  assert.equal(status.code, null);
  assert.ok(status.error instanceof Error);
  echo.send(["echo"]); // dropped
  await dispose(echo);
});

test("a data handler that throws stops the child and the error is reported", async () => {
  const { promise, resolve } = Promise.withResolvers<ExitStatus>();
  const boom = new RangeError("corrupt frame");
  spawnChild({ source: ECHO_SOURCE, modules: [ECHO_ENTRY.href] }, {
    data() {
      throw boom;
    },
    exit: resolve,
  });
  assert.deepEqual(await promise, {
    code: null,
    signal: "SIGKILL",
    error: boom,
    reason: "sent bytes that are not the pool's messages on its channel",
  });
});

test("exit is reported even while a grandchild holds the channel open", async () => {
  const echo = startEcho();
  let grandchild = 0;
  try {
    await echo.next();
    echo.send(["grandchild"]);
    grandchild = (await echo.next())[1] as number;
    assert.deepEqual(await echo.exited, { code: 0, signal: null });
  } finally {
    if (grandchild) process.kill(grandchild, "SIGKILL");
    await dispose(echo);
  }
});

test("what a child prints reaches the parent's output, never the channel", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("spawn_print_parent.ts"),
  );
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  const at = (line: string) => lines.indexOf(line);
  assert.ok(at("child out-line") >= 0, stdout);
  assert.ok(at("child out-line (direct)") > at("child out-line"), stdout);
  assert.ok(at('parent got ["printed"]') >= 0, stdout);
  assert.ok(at('parent got ["echo","after printing"]') >= 0, stdout);
  assert.equal(lines.at(-1), 'parent saw exit {"code":0,"signal":null}');
  assert.equal(lines.length, 5, stdout);
  assert.match(stderr, /^child err-line$/m);
});

test("a child exits when its parent is killed with SIGKILL", async () => {
  const file = fileURLToPath(fixture("spawn_orphan_parent.ts"));
  const parent = spawn(
    process.execPath,
    runtime === "deno" ? ["run", "-A", file] : [file],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => parent.on("exit", resolve));
  let pid = 0;
  try {
    const line = await new Promise<string>((resolve) => {
      let out = "";
      parent.stdout!.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("\n")) resolve(out);
      });
    });
    pid = Number(/^child (\d+)/.exec(line)?.[1]);
    assert.ok(isRunning(pid), "the child runs while its parent does");
    parent.kill("SIGKILL");
    await exited;
    assert.ok(await waitFor(() => !isRunning(pid)), `child ${pid} lingers`);
  } finally {
    parent.kill("SIGKILL");
    if (pid && isRunning(pid)) process.kill(pid, "SIGKILL");
  }
});

test("an unref'd idle child lets its parent exit, and then exits too", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("spawn_idle_parent.ts"),
    { args: ["unref"] },
  );
  assert.equal(code, 0, stderr);
  assert.match(stdout, /idle and unref'd/);
  const pid = Number(/^child (\d+)/m.exec(stdout)?.[1]);
  assert.ok(await waitFor(() => !isRunning(pid)), `child ${pid} lingers`);
});

test("a ref'd child keeps its parent alive", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("spawn_idle_parent.ts"),
    { args: ["ref"] },
  );
  assert.equal(code, 0, stderr);
  assert.match(stdout, /still alive/);
});

test("Deno permission flags copy whole grants and add the modules the parent may load", () => {
  const held = new Set([
    "net",
    "env",
    "read:/data",
    "run:/bin/deno",
    "read:/m/a.ts",
    "read:/m/b,c.ts",
    "import:cdn.test:8443",
  ]);
  const query: QueryPermission = (name, entry) =>
    held.has(entry === undefined ? name : `${name}:${entry}`) ? "granted" : "prompt";
  assert.deepEqual(
    denoPermissionFlags(undefined, [
      "file:///m/a.ts",
      "/m/b,c.ts",
      "https://cdn.test:8443/tasks.ts",
      "https://jsr.io/@std/x/mod.ts", // a default host: nothing to add
      "/secret/c.ts", // the parent may not read it: neither may the child
      "data:text/javascript,export const f = () => 1",
    ], query),
    [
      "--allow-read=/m/a.ts,/m/b,,c.ts",
      "--allow-net",
      "--allow-env",
      "--allow-import=cdn.test:8443",
    ],
  );
  assert.deepEqual(
    denoPermissionFlags(
      { read: ["/data"], net: true, env: false },
      ["/m/a.ts"],
      query,
    ),
    // No default import host is held here: none for the child either.
    ["--allow-read=/data,/m/a.ts", "--allow-net", ...NO_IMPORT],
  );
  assert.deepEqual(denoPermissionFlags({ run: ["/bin/deno"] }, [], query), [
    "--allow-run=/bin/deno",
    ...NO_IMPORT,
  ]);
  assert.throws(
    () => denoPermissionFlags({ read: ["/data", "/etc"] }, [], query),
    /^TypeError: Cannot give a child process --allow-read=\/etc: /,
  );
  assert.throws(
    () => denoPermissionFlags({ write: true }, [], query),
    /^TypeError: Cannot give a child process --allow-write: /,
  );
});

test("a child meant to hold nothing is never started without a permission flag (Deno would add -A)", () => {
  const query: QueryPermission = () => "granted";
  assert.deepEqual(denoPermissionFlags({}, [], query), ["--deny-ffi"]);
  assert.deepEqual(denoPermissionFlags({ import: ["cdn.test:443"] }, [], query), [
    "--allow-import=jsr.io:443,deno.land:443,esm.sh:443,cdn.jsdelivr.net:443,raw.githubusercontent.com:443,gist.githubusercontent.com:443,cdn.test:443",
  ]);
  const none: QueryPermission = () => "prompt";
  assert.deepEqual(denoPermissionFlags(undefined, [], none), NO_IMPORT);
});

test("a permission held only in part is never passed on whole", () => {
  // As Deno reports `-A --deny-net=10.0.0.1 --deny-read=/etc`.
  const query: QueryPermission = (name, entry) => {
    if (name === "net") {
      return entry?.startsWith("10.0.0.1:") ? "denied" : entry ? "granted" : "partial";
    }
    if (name === "read") {
      if (entry === undefined || entry === "/") return "partial";
      return entry?.startsWith("/etc") ? "denied" : "granted";
    }
    return "granted";
  };
  assert.throws(
    () => denoPermissionFlags(undefined, [], query),
    (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof TypeError));
      assert.match(
        error.message,
        /^Cannot start child processes in Deno: this process holds read, net only in part \(--deny-read, --deny-net or a list\)/,
      );
      // The example spells out the whole grants and lists the partial ones.
      assert.match(error.message, /denoPermissions: \{ read: \["\/data"\], write: true, net: \[/);
      return true;
    },
  );
  for (
    const [asked, flag] of [
      [{ net: true }, "--allow-net: this process holds it only in part"],
      [{ read: ["/"] }, "--allow-read=/: this process is denied part of it"],
      [{ net: ["10.0.0.1:80"] }, "--allow-net=10.0.0.1:80: this process does not hold"],
    ] as const
  ) {
    assert.throws(
      () => denoPermissionFlags(asked, [], query),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message.startsWith(`Cannot give a child process ${flag}`),
    );
  }
  assert.deepEqual(
    denoPermissionFlags({ net: ["203.0.113.7:443"], read: ["/data"], env: true }, [
      "/app/tasks.ts",
      "/etc/tasks.ts",
    ], query),
    // A module's folder, as far up as nothing in it is denied; a module the
    // parent is denied is not made readable for the child.
    ["--allow-read=/data,/app", "--allow-net=203.0.113.7:443", "--allow-env"],
  );
});

test("denoPermissions must be an object of booleans and string lists", () => {
  const action = "create ProcessPoolExecutor";
  assert.equal(checkDenoPermissions(undefined, action), undefined);
  const ok: DenoPermissions = { read: ["/a"], net: true, env: false };
  assert.equal(checkDenoPermissions(ok, action), ok);
  for (
    const [value, message] of [
      [5, /denoPermissions must be an object, received 5/],
      [{ read: "/a" }, /denoPermissions.read must be a boolean or an array/],
      [{ net: [1] }, /denoPermissions.net must be a boolean or an array/],
      [{ hrtime: true }, /unknown denoPermissions key "hrtime"/],
    ] as const
  ) {
    assert.throws(() => checkDenoPermissions(value, action), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /^Cannot create ProcessPoolExecutor: /);
      assert.match(e.message, message);
      return true;
    });
  }
});

test(
  "a Deno child asked for malformed permissions fails to start",
  denoOnly,
  async () => {
    const echo = startEcho({
      denoPermissions: { read: "/" } as unknown as DenoPermissions,
    });
    const { error } = await echo.exited;
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /denoPermissions.read must be a boolean/);
    await dispose(echo);
  },
);

test(
  "without --allow-run and --allow-env, checkCanSpawn() names both",
  denoOnly,
  async () => {
    const { stdout } = await runScript(fixture("spawn_deno_permissions.ts"), {
      args: ["check", "/"],
      denoFlags: ["--allow-read"],
    });
    assert.match(
      stdout,
      /^Error: Cannot start child processes in Deno: run with --allow-run=\S+ --allow-env /,
    );
  },
);

test(
  "a Deno child gets the parent's whole grants, or exactly what is spelled out",
  denoOnly,
  async () => {
    const dir = fileURLToPath(new URL("..", import.meta.url)).replace(
      /\/$/,
      "",
    );
    const denoFlags = [
      `--allow-read=${dir}`,
      "--allow-env",
      `--allow-run=${process.execPath}`,
      "--allow-net",
    ];
    const run = async (mode: string) =>
      (await runScript(fixture("spawn_deno_permissions.ts"), {
        args: [mode, dir],
        denoFlags,
      })).stdout.trim();
    const defaults = JSON.parse(await run("default"));
    assert.equal(defaults.net, "granted");
    assert.equal(defaults.env, "granted");
    assert.equal(defaults.read, "prompt"); // partial grants cannot be copied
    // … but a child may read the folder its module came from, as far up as
    // the parent may read: here the checkout, and not beyond.
    assert.equal(defaults[`read:${dir}`], "granted");
    assert.equal(defaults[`read:${dirname(dir)}`], "prompt");
    assert.equal(defaults.run, "prompt");
    const spelled = JSON.parse(await run("spelled"));
    assert.equal(spelled.net, "granted");
    assert.equal(spelled.env, "prompt");
    assert.equal(spelled[`read:${dir}`], "granted");
    assert.match(
      await run("too-much"),
      /^exit error TypeError: Cannot give a child process --allow-read=\/: /,
    );
  },
);

test("a Deno child covers a later module only if it may load it as a new child could", () => {
  // As `--allow-read=/app --allow-import=cdn.test`: /app's folders, not /app's parent.
  const query: QueryPermission = (name, entry) =>
    (name === "read" && entry?.startsWith("/app")) ||
      (name === "import" && entry === "cdn.test:443")
      ? "granted"
      : "prompt";
  const started = ["file:///app/src/tasks.ts"];
  // Its read access is the widest readable folder above its modules: /app.
  assert.equal(childCovers(undefined, started, "file:///app/lib/more.ts", query), true);
  // A new child, given the module, would import from cdn.test: this one cannot.
  assert.equal(childCovers(undefined, started, "https://cdn.test/t.ts", query), false);
  assert.equal(childCovers(undefined, [], "file:///app/tasks.ts", query), false);
  // Nothing a new child would get either: no replacement.
  assert.equal(childCovers(undefined, [], "file:///etc/tasks.ts", query), true);
  assert.equal(childCovers(undefined, [], "https://jsr.io/@std/x/mod.ts", query), true);
  assert.equal(childCovers(undefined, [], "data:text/javascript,", query), true);
  // Spelled-out or whole grants cover what they hold.
  assert.equal(childCovers({ read: ["/app/tasks.ts"] }, [], "file:///app/tasks.ts", query), true);
  const whole: QueryPermission = () => "granted";
  assert.equal(childCovers(undefined, [], "file:///anywhere/tasks.ts", whole), true);
});
