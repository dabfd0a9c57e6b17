// A process pool never spawns copies of the program (issue 15): a child
// that runs the program instead of the worker code exits before the
// program's own code runs, a pool's child cannot start a process pool, and a
// binary made by `deno compile` refuses the process pool. The compiled Bun
// binary itself is run in tests/install_test.ts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime } from "../_runtime/runtime.ts";
import { NOT_A_WORKER } from "../_runtime/guard.ts";
import { WORKER_ARG } from "../_wire/worker_mark.ts";
import { fromModule } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { runScript } from "./_run_script.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const nested = fromModule<typeof import("./fixtures/nested_pool_task.ts")>(
  fixture("nested_pool_task.ts"),
);

test("a program started with a pool child's mark exits before its own code runs", async () => {
  const { code, stdout, stderr } = await runScript(fixture("not_a_worker_script.ts"), {
    args: [WORKER_ARG],
  });
  assert.equal(code, NOT_A_WORKER, stderr);
  assert.equal(stdout, "");
  assert.match(stderr, /started as a ProcessPoolExecutor worker but runs the program itself/);
});

test("the mark counts only as the last argument", async () => {
  const { code, stdout } = await runScript(fixture("not_a_worker_script.ts"), {
    args: [WORKER_ARG, "more"],
  });
  assert.equal(code, 0);
  assert.equal(stdout, "the program ran\n");
});

test("a task in a pool's child cannot start a process pool, but can use threads", async () => {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  assert.match(
    await executor.submit(nested.startProcessPool).result(),
    /^Error: Cannot start child processes: this process is a ProcessPoolExecutor worker, and a worker cannot start a process pool of its own/,
  );
  assert.equal(await executor.submit(nested.useThreadPool).result(), 42);
});

test(
  "a binary made by deno compile refuses the process pool, saying why",
  { skip: runtime !== "deno" && "Deno only" },
  () => {
    // deno compile cannot be built here (it downloads denort): stand in for
    // it with what the runtime reports inside one.
    const deno = (globalThis as unknown as { Deno: { build: object } }).Deno;
    const build = deno.build;
    Object.defineProperty(deno, "build", {
      value: { ...build, standalone: true },
      configurable: true,
    });
    try {
      assert.throws(
        () => new ProcessPoolExecutor({ maxWorkers: 1 }),
        /^Error: Cannot start child processes in a binary made by deno compile: its executable is the program itself/,
      );
    } finally {
      Object.defineProperty(deno, "build", { value: build, configurable: true, writable: true });
    }
  },
);
