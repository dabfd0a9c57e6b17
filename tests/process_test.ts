// ProcessPoolExecutor behaviour that is specific to processes. The behaviour
// every executor shares is in the conformance suite
// (process_conformance_test.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { BrokenExecutor, fromModule, type Future } from "../future.ts";
import { BrokenProcessPool, type DenoPermissions, ProcessPoolExecutor } from "../process.ts";
import { openGate } from "./_gate.ts";
import { isRunning, runScript, scriptArgv, waitFor } from "./_run_script.ts";
import { assertResultsNotHeldBack } from "./_held_results.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const denoOnly = {
  skip: runtime !== "deno" && "Deno permissions",
};
const pid = () => process.pid;
const tasks = fromModule<typeof import("./fixtures/tasks.ts")>(
  new URL("./fixtures/tasks.ts", import.meta.url),
);

test("a program that ends while its pool's children start prints nothing of theirs", async () => {
  // Before: "a worker lost its channel to the pool (EPIPE); it exits" on the
  // program's stderr after it ended (Node 10 runs in 10, Bun 2 in 10).
  for (let run = 0; run < 3; run++) {
    const { code, stdout, stderr } = await runScript(
      new URL("./fixtures/process_quick_exit_script.ts", import.meta.url),
    );
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), "made");
    assert.equal(stderr, "");
  }
});

test("ProcessPoolExecutor() validates its options", () => {
  for (const bad of [0, -1, 2.5]) {
    assert.throws(
      () => new ProcessPoolExecutor({ maxWorkers: bad }),
      RangeError,
    );
    assert.throws(
      () => new ProcessPoolExecutor({ maxTasksPerChild: bad }),
      RangeError,
    );
  }
  assert.throws(
    () => new ProcessPoolExecutor({ maxTasksPerChild: "1" as unknown as number }),
    TypeError,
  );
  assert.throws(
    () =>
      new ProcessPoolExecutor(
        { threadNamePrefix: "x" } as unknown as { maxWorkers: number },
      ),
    TypeError,
  );
});

test("ProcessPoolExecutor runs tasks in child processes of the same runtime", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  const [childPid, isDeno] = await executor.submit(() =>
    [
      process.pid,
      typeof (globalThis as { Deno?: unknown }).Deno === "object",
    ] as const
  ).result();
  assert.notEqual(childPid, process.pid);
  assert.equal(isDeno, runtime === "deno");
});

test("ProcessPoolExecutor sends a finished result before a long synchronous task after it", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  await assertResultsNotHeldBack(executor);
});

test("ProcessPoolExecutor fails only the future whose argument or result cannot be serialized", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  // The first task cannot be sent: the next one must still go out.
  const badArg = executor.submit((f: unknown) => typeof f, () => 1);
  const good = executor.submit((x: number) => x, 1);
  const badResult = executor.submit(() => () => 1);
  const after = executor.submit((x: number) => x, 2);
  assert.ok((await badArg.exception()) instanceof TypeError);
  assert.equal(await good.result(), 1);
  assert.ok((await badResult.exception()) instanceof TypeError);
  assert.equal(await after.result(), 2);
});

test("ProcessPoolExecutor passes what a task prints to stdout and stderr without corrupting results", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("process_output_script.ts"),
  );
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n");
  assert.equal(lines[0], "log 1");
  assert.ok(lines.includes("write 2"));
  assert.ok(stdout.indexOf("write 2") < stdout.indexOf("log 3"));
  assert.ok(
    stdout.includes("\u0005\u0000\u0000\u0000\u0001{}"),
    "the frame-like bytes are plain output",
  );
  assert.match(stdout, /result 42\n$/);
  assert.match(stderr, /error 1/);
});

test("ProcessPoolExecutor replaces a child after maxTasksPerChild tasks", async () => {
  await using executor = new ProcessPoolExecutor({
    maxWorkers: 1,
    maxTasksPerChild: 3,
  });
  const pids: number[] = [];
  for (let i = 0; i < 7; i++) pids.push(await executor.submit(pid).result());
  assert.equal(new Set(pids.slice(0, 3)).size, 1);
  assert.equal(new Set(pids.slice(3, 6)).size, 1);
  assert.notEqual(pids[2], pids[3]);
  assert.notEqual(pids[5], pids[6]);
  assert.ok(
    await waitFor(() => !isRunning(pids[0]!)),
    "a retired child is reaped",
  );
});

test("ProcessPoolExecutor completes queued work across maxTasksPerChild replacements (gh-115634)", async () => {
  await using executor = new ProcessPoolExecutor({
    maxWorkers: 2,
    maxTasksPerChild: 2,
  });
  const futures = Array.from(
    { length: 9 },
    (_, i) => executor.submit((x: number) => x * 2, i),
  );
  assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [
    0,
    2,
    4,
    6,
    8,
    10,
    12,
    14,
    16,
  ]);
});

for (
  const [how, kill, expected] of [
    ["exits with code 3", () => process.exit(3), /code 3/],
    [
      "is killed by SIGKILL",
      () => process.kill(process.pid, "SIGKILL"),
      /SIGKILL/,
    ],
  ] as const
) {
  test(`ProcessPoolExecutor breaks when a child ${how}, and every future settles`, async () => {
    await using gate = await openGate();
    const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
    const waiting = executor.submit(
      async (url: string) => (await fetch(url)).text(),
      gate.url,
    );
    await gate.arrived(1);
    const dying = executor.submit(kill);
    const queued = [1, 2, 3].map((x) => executor.submit((n: number) => n, x));
    for (const future of [waiting, dying, ...queued]) {
      const error = await future.exception();
      assert.ok(error instanceof BrokenProcessPool, String(error));
      assert.ok(error instanceof BrokenExecutor);
      assert.match(String((error as Error).cause), expected);
    }
    assert.throws(() => executor.submit(pid), BrokenProcessPool);
    await executor.shutdown();
  });
}

test("ProcessPoolExecutor breaks when the initializer throws", async () => {
  const executor = new ProcessPoolExecutor({
    maxWorkers: 1,
    initializer: (code: string) => {
      throw Object.assign(new Error("init failed"), { code });
    },
    initargs: ["E_INIT"],
  });
  const error = await executor.submit(pid).exception() as Error & {
    cause: { code: string };
  };
  assert.ok(error instanceof BrokenProcessPool);
  assert.equal(error.cause.code, "E_INIT");
  assert.throws(() => executor.submit(pid), BrokenProcessPool);
  await executor.shutdown();
});

for (const method of ["terminateWorkers", "killWorkers"] as const) {
  test(`ProcessPoolExecutor.${method}() stops every child at once and shuts down`, async () => {
    await using gate = await openGate();
    const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
    const pids = await Promise.all([
      executor.submit(pid).result(),
      executor.submit(pid).result(),
    ]);
    const running = [0, 1].map(() =>
      executor.submit(
        async (url: string) => (await fetch(url)).text(),
        gate.url,
      )
    );
    await gate.arrived(2);
    const queued = executor.submit(pid);
    await executor[method]();
    for (const future of [...running, queued]) {
      assert.ok((await future.exception()) instanceof BrokenProcessPool);
    }
    for (const child of pids) {
      assert.ok(!isRunning(child), `child ${child} still runs`);
    }
    assert.throws(() => executor.submit(pid), Error);
    await executor.shutdown(); // harmless afterwards
  });
}

test("ProcessPoolExecutor.shutdown() reaps every child", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
  const pids = new Set(
    await Promise.all(
      Array.from({ length: 6 }, () => executor.submit(pid).result()),
    ),
  );
  await executor.shutdown();
  for (const child of pids) {
    assert.ok(!isRunning(child), `child ${child} still runs`);
  }
});

test("ProcessPoolExecutor lets a script that never shuts it down exit by itself", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("process_idle_script.ts"),
  );
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), "[10,20,30]");
});

test("ProcessPoolExecutor's pending work keeps a script alive until it is done", async () => {
  const { code, stdout, stderr } = await runScript(
    fixture("process_pending_script.ts"),
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split("\n"), [
    "main finished",
    "task finished",
  ]);
});

const ORPHANS = [["idle", "process_orphan_script.ts"], ["busy", "process_busy_orphan_script.ts"]];
for (const [state, script] of ORPHANS as [string, string][]) {
  test(`ProcessPoolExecutor's ${state} children exit when the parent is killed with SIGKILL`, async () => {
    const file = fixture(script);
    const parent = spawn(process.execPath, scriptArgv(file), {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => parent.on("exit", resolve));
    let child = 0;
    try {
      child = await new Promise<number>((resolve) => {
        let out = "";
        parent.stdout!.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          const match = /child (\d+)\n/.exec(out);
          if (match) resolve(Number(match[1]));
        });
      });
      assert.ok(isRunning(child));
      parent.kill("SIGKILL");
      await exited;
      // A busy child's task runs 60 s: gone within the wait, it did not wait
      // for its task (the watchdog ends it in tens of milliseconds).
      assert.ok(
        await waitFor(() => !isRunning(child), 10_000),
        `child ${child} outlived its parent`,
      );
    } finally {
      parent.kill("SIGKILL");
      if (child && isRunning(child)) process.kill(child, "SIGKILL");
    }
  });
}

test(
  "ProcessPoolExecutor gives a Deno child the parent's whole grants and no more",
  denoOnly,
  async () => {
    const flags = ["--allow-read", "--allow-env", "--allow-run"];
    const { stdout, stderr } = await runScript(
      fixture("process_permissions_script.ts"),
      { denoFlags: flags },
    );
    const state = JSON.parse(stdout.trim());
    assert.equal(state.read, "granted", stderr);
    assert.equal(state.env, "granted");
    assert.notEqual(state.net, "granted");
    assert.notEqual(state.write, "granted");
  },
);

test(
  "ProcessPoolExecutor's denoPermissions narrows a child and refuses more than the parent has",
  denoOnly,
  async () => {
    const flags = ["--allow-read", "--allow-env", "--allow-run"];
    const narrow = await runScript(fixture("process_permissions_script.ts"), {
      denoFlags: flags,
      args: [JSON.stringify({ read: true })],
    });
    const state = JSON.parse(narrow.stdout.trim());
    assert.equal(state.read, "granted", narrow.stderr);
    assert.notEqual(state.env, "granted");
    const more = await runScript(fixture("process_permissions_script.ts"), {
      denoFlags: flags,
      args: [JSON.stringify({ net: true })],
    });
    assert.match(more.stdout, /^error TypeError: .*net/);
  },
);

// A whole grant with one entry denied, per permission a child can be given.
const DENIED: Record<string, string> = {
  read: "/etc",
  write: "/etc",
  net: "127.0.0.2",
  env: "SECRET_TOKEN",
  run: "curl",
  ffi: "/usr/lib/libdenied.so",
  sys: "hostname",
  import: "example.com",
};

test(
  "ProcessPoolExecutor refuses to start when the Deno parent holds a permission only in part",
  denoOnly,
  async () => {
    const results = await Promise.all(
      Object.entries(DENIED).map(async ([name, entry]) => {
        const flags = ["--allow-read", "--allow-env", "--allow-run", `--allow-${name}`];
        const { stdout } = await runScript(fixture("process_permissions_script.ts"), {
          denoFlags: [...new Set(flags), `--deny-${name}=${entry}`],
        });
        return [name, stdout] as const;
      }),
    );
    for (const [name, stdout] of results) {
      assert.match(
        stdout,
        new RegExp(
          `^error Error: Cannot start child processes in Deno: this process holds ${name} only in part \\(--deny-${name} or a list\\).*denoPermissions: \\{`,
        ),
        name,
      );
    }
  },
);

test(
  "a Deno child with spelled-out permissions gets exactly those and is refused what the parent is refused",
  denoOnly,
  async () => {
    const server = createServer((_request, response) => response.end("secret"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;
    try {
      const denoFlags = ["-A", `--deny-net=127.0.0.1:${port}`];
      const run = async (spelled: DenoPermissions) =>
        (await runScript(fixture("process_permissions_script.ts"), {
          denoFlags,
          args: [JSON.stringify(spelled), url],
        })).stdout.trim();
      const state = JSON.parse(
        await run({ read: true, env: true, net: ["127.0.0.2:80", `127.0.0.2:${port}`] }),
      );
      assert.deepEqual(state, {
        read: "granted",
        write: "prompt",
        net: "prompt", // a list, so not the whole permission
        env: "granted",
        run: "prompt",
        ffi: "prompt",
        sys: "prompt",
        import: "prompt",
        fetch: "NotCapable",
        parentFetch: "NotCapable",
      });
      // Nothing spelled out is nothing held (Deno's node:child_process would
      // start a child without permission flags with -A).
      const nothing = JSON.parse(await run({}));
      for (const name of ["read", "write", "net", "env", "run", "ffi", "sys", "import"]) {
        assert.notEqual(nothing[name], "granted", name);
      }
      assert.match(
        await run({ net: true }),
        /^error TypeError: Cannot give a child process --allow-net: this process holds it only in part/,
      );
      assert.match(
        await run({ net: [`127.0.0.1:${port}`] }),
        /^error TypeError: Cannot give a child process --allow-net=127\.0\.0\.1:\d+: this process does not hold/,
      );
    } finally {
      server.close();
    }
  },
);

test(
  "ProcessPoolExecutor() in a Deno parent without --allow-run fails with a clear error",
  denoOnly,
  async () => {
    const { code, stdout } = await runScript(
      fixture("process_permissions_script.ts"),
      {
        denoFlags: ["--allow-read", "--allow-env", "--no-prompt"],
      },
    );
    assert.equal(code, 0);
    assert.match(stdout, /^error Error: .*--allow-run/);
  },
);

test("a SharedArrayBuffer sent to a child fails only its future, with a TypeError", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const error = await executor.submit((view: Int32Array) => {
    view[0] = 1;
  }, shared).exception();
  assert.ok(error instanceof TypeError, String(error));
  assert.match(error.message, /SharedArrayBuffer/);
  assert.equal(shared[0], 0);
  assert.equal(await executor.submit(() => "still usable").result(), "still usable");
});

/** Rejects if `promise` has not settled within `ms`: a hang detector, not a timing check. */
function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

// A Deno child holds fds 3 and 4 by the stream handles beneath net.Socket
// (_worker/stream_handles.ts), which node:fs cannot use: a task's write or
// close of the channel fails with EBADF, and the channel stays whole. Bun and
// Node children leave fd 4 to node:fs, and what a task does to it breaks the
// pool.
const channelRefused = runtime === "deno";

/** A task refused the channel failed with EBADF, and the pool goes on. */
async function assertRefused(executor: ProcessPoolExecutor, future: Future<unknown>) {
  const error = await settlesWithin(future.exception(), 20_000, "the future");
  assert.match(String(error), /Bad file descriptor|EBADF/);
  const after = executor.submit((x: number) => x, 1);
  assert.equal(await settlesWithin(after.result(), 20_000, "a later task"), 1);
}

for (
  const [what, bytes, cause] of [
    ["a frame header announcing 1 GiB", [0xff, 0xff, 0xff, 0x3f], /not the pool.s messages/],
    ["text", [...new TextEncoder().encode("progress: 50%\n")], /not the pool.s messages/],
    // A well-formed header whose payload is not a message.
    [
      "a frame that is not a message",
      [5, 0, 0, 0, 0xa4, 0xe5, 0xf7, 0xc0, 9, 9, 9, 9, 9],
      /not the pool.s messages/,
    ],
  ] as const
) {
  test(`a task that writes ${what} on its child's channel breaks the pool at once (a Deno child refuses it), and nothing hangs`, async () => {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    const forger = executor.submit(tasks.writeChannel, [...bytes], "forged");
    if (channelRefused) await assertRefused(executor, forger);
    else {
      const after = executor.submit((x: number) => x, 1);
      for (const future of [forger, after]) {
        const error = await settlesWithin(future.exception(), 20_000, "the future");
        assert.ok(error instanceof BrokenProcessPool, String(error));
        assert.match(error.message, cause);
      }
    }
    await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
  });
}

test("a task that closes its child's channel breaks the pool (a Deno child refuses it), and nothing hangs", async () => {
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  const closer = executor.submit(tasks.closeChannel, "closed");
  if (channelRefused) await assertRefused(executor, closer);
  else {
    const error = await settlesWithin(closer.exception(), 20_000, "the future");
    assert.ok(error instanceof BrokenProcessPool, String(error));
    assert.throws(() => executor.submit(() => 1), BrokenProcessPool);
  }
  await settlesWithin(executor.shutdown(), 20_000, "shutdown()");
});
