// Every example and the demo run here, so none of them can rot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../_runtime/runtime.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { openGate } from "./_gate.ts";
import { runScript } from "./_run_script.ts";

const example = (name: string) => new URL(`../examples/${name}`, import.meta.url);

test("demo.ts --quick counts the same primes three ways and prints the table", async () => {
  const { code, stdout, stderr } = await runScript(new URL("../demo.ts", import.meta.url), {
    args: ["--quick"],
    limitMs: 60_000,
  });
  assert.equal(code, 0, stderr);
  for (const row of ["sequential", "threads", "processes"]) {
    assert.match(stdout, new RegExp(`^${row} +\\d+ ms +[\\d.]+× +21221$`, "m"));
  }
});

test("examples/fail_fast.ts stops at the first failure and cancels the queued jobs", async () => {
  const { failFast } = await import("../examples/fail_fast.ts");
  await using gate = await openGate();
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  // Job 0 fails; every other job waits at the gate, so each of the two
  // workers can have started at most one of them when the rest is cancelled.
  const job = async (n: number, url?: string) => {
    if (n === 0) throw new Error("job 0 found bad input");
    await (await fetch(url!)).text();
    return n;
  };
  const { failed, cancelled } = await failFast(executor, job, gate.url);
  gate.open(); // lets the started jobs finish, so the executor can shut down
  assert.equal(failed, "job 0 found bad input");
  assert.ok(cancelled >= 7, `cancelled ${cancelled}`);
});

test("examples/fail_fast.ts runs as a script", async () => {
  const { code, stdout, stderr } = await runScript(example("fail_fast.ts"), { limitMs: 30_000 });
  assert.equal(code, 0, stderr);
  assert.match(
    stdout,
    /^Stopped at the first failure \("job 3 found bad input"\) and cancelled \d+ queued jobs$/m,
  );
});

test("examples/bun_http_server.ts answers while a heavy request runs", {
  skip: runtime !== "bun" && "the example uses Bun.serve",
}, async () => {
  const { start } = await import("../examples/bun_http_server.ts");
  const server = start(0);
  try {
    let heavyDone = false;
    const heavy = fetch(new URL("/primes?below=3000000", server.url)).then(async (r) => {
      heavyDone = true;
      return await r.json();
    });
    assert.equal(await (await fetch(new URL("/health", server.url))).text(), "ok");
    assert.equal(heavyDone, false, "the event loop was blocked by the heavy request");
    assert.deepEqual(await heavy, { below: 3000000, count: 216816 });
    assert.equal((await fetch(new URL("/primes?below=-1", server.url))).status, 400);
  } finally {
    await server.stop();
  }
});

test("examples/deno_process_files.ts hashes files in children replaced after 4 tasks", {
  skip: runtime !== "deno" && "the example uses Deno's file APIs",
}, async () => {
  const { generateFiles, hashFolder } = await import("../examples/deno_process_files.ts");
  const dir = await generateFiles(10);
  const log = console.log;
  console.log = () => {};
  try {
    const { files, children } = await hashFolder(dir);
    assert.equal(files, 10);
    assert.ok(children >= 3, `only ${children} children for 10 files at 4 per child`);
  } finally {
    console.log = log;
    await (globalThis as unknown as { Deno: { remove(p: string, o: object): Promise<void> } })
      .Deno.remove(dir, { recursive: true });
  }
});

test("examples/deno_process_files.ts runs as a script with narrow permissions", {
  skip: runtime !== "deno" && "the example uses Deno's file APIs",
}, async () => {
  const { code, stdout, stderr } = await runScript(example("deno_process_files.ts"), {
    denoFlags: ["--allow-read", "--allow-write", "--allow-run", "--allow-env"],
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Hashed 12 files in \d+ child processes/);
});

test("examples/control.ts stops running work, moves buffers and reports stats", async () => {
  const { code, stdout, stderr } = await runScript(example("control.ts"), { limitMs: 60_000 });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^runaway: TimeoutError$/m);
  assert.match(stdout, /^stuck: gave up$/m);
  assert.match(stdout, /^next task: 42$/m);
  assert.equal(stdout.match(/^worker exited: stopped$/gm)?.length, 2);
  assert.match(stdout, /^sent 1048576 doubles; ours is now detached \(0\); got 2 back$/m);
  assert.match(
    stdout,
    /^100 of 100 tasks completed on [12] workers; run time p50 [\d.]+ ms over 100 tasks$/m,
  );
});
