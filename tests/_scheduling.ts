// The scheduling promises both pools keep (SPEC, "Scheduling promises"):
// work-conserving dispatch, results never held behind a task, and the
// minWorkers/idleTimeout lifecycle. Tasks are held by a gate or by a file the
// test creates, never by a delay; the only timeouts are hang detectors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PoolExecutor } from "../thread.ts";
import { openGate } from "./_gate.ts";

/** The options every pool takes that these tests use. */
export interface SchedulingOptions {
  maxWorkers?: number;
  minWorkers?: number;
  idleTimeout?: number;
  initializer?: (url: string) => unknown;
  initargs?: [url: string];
}

/** Rejects if `promise` has not settled within `ms`: a hang detector, not a timing check. */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

// The functions below run in a worker: they see only their arguments and
// globals (node:fs through process.getBuiltinModule, in threads and
// children alike).
type Fs = {
  appendFileSync(path: string, data: string): void;
  existsSync(path: string): boolean;
};

/** Returns x; quick, to teach the pool to send tasks ahead. */
const identity = (x: number) => x;

/** Logs its run to `log`, then returns `x`. */
const logged = (log: string, x: number) => {
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): Fs };
  }).process.getBuiltinModule("node:fs");
  fs.appendFileSync(log, `${x}\n`);
  return x;
};

/** Logs its run, then waits (asynchronously) for the gate at `url`. */
const loggedGated = async (log: string, x: number, url: string) => {
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): Fs };
  }).process.getBuiltinModule("node:fs");
  fs.appendFileSync(log, `${x}\n`);
  await (await fetch(url)).text();
  return x;
};

/** Blocks its worker synchronously until `path` exists. */
export const blockUntilExists = (path: string) => {
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): Fs };
  }).process.getBuiltinModule("node:fs");
  while (!fs.existsSync(path));
  return "released";
};

/** Throws a RangeError carrying `x`. */
const failWith = (x: number) => {
  if (x >= 0) throw new RangeError(`failed ${x}`);
  return x;
};

/** Many tiny calls: every worker started and timed as quick. */
export async function warm(executor: PoolExecutor, fn: (x: number) => unknown = identity) {
  await Promise.all(
    Array.from({ length: 400 }, (_, i) => executor.submit(fn, i).exception()),
  );
}

/** A scratch folder, removed on dispose. */
export function scratch(): {
  dir: string;
  path: (name: string) => string;
  [Symbol.dispose](): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "sched-"));
  return {
    dir,
    path: (name) => join(dir, name),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Registers the scheduling tests for executors made by `create`. */
export function schedulingConformance(
  name: string,
  create: (options: SchedulingOptions) => PoolExecutor,
): void {
  const it = (what: string, body: () => Promise<void>) => test(`${name} ${what}`, body);

  it("runs a task sent ahead to a busy worker on an idle one (work-conserving)", async () => {
    using dir = scratch();
    const log = dir.path("log");
    await using executor = create({ maxWorkers: 2 });
    // Disposed first: a failure opens the gate before the executor shuts down.
    await using gate = await openGate();
    await warm(executor);
    // One burst, two tasks to each worker: the first worker's first task
    // blocks at the gate, and the task sent ahead behind it must not wait.
    const blocker = executor.submit(loggedGated, log, 0, gate.url);
    const quick = [1, 2, 3].map((x) => executor.submit(logged, log, x));
    await gate.arrived(1);
    assert.deepEqual(
      await settlesWithin(Promise.all(quick.map((f) => f.result())), 30_000, "the quick tasks"),
      [1, 2, 3],
    );
    assert.equal(blocker.done(), false);
    gate.open();
    assert.equal(await blocker.result(), 0);
    const runs = readFileSync(log, "utf8").trim().split("\n").sort();
    assert.deepEqual(runs, ["0", "1", "2", "3"], "each task ran once");
  });

  it("runs a task sent ahead to a worker stuck in synchronous code on an idle one", async () => {
    using dir = scratch();
    const release = dir.path("release");
    await using executor = create({ maxWorkers: 2 });
    try {
      await warm(executor);
      // Two to each worker: one worker spins in its first task, which never
      // yields, and the task behind it is taken back (a thread's through its
      // cancel ring, a child's by its protocol thread).
      const blocker = executor.submit(blockUntilExists, release);
      const quick = [1, 2, 3].map((x) => executor.submit((y: number) => y * 10, x));
      assert.deepEqual(
        await settlesWithin(Promise.all(quick.map((f) => f.result())), 30_000, "the quick tasks"),
        [10, 20, 30],
      );
      assert.equal(blocker.done(), false);
      writeFileSync(release, "");
      assert.equal(await blocker.result(), "released");
    } finally {
      writeFileSync(release, "");
    }
  });

  it("runs no task twice while idle workers take tasks sent ahead to busy ones", async () => {
    using dir = scratch();
    const log = dir.path("log");
    await using executor = create({ maxWorkers: 2 });
    await warm(executor);
    let next = 0;
    for (let round = 0; round < 12; round++) {
      await using gate = await openGate();
      const blocker = executor.submit(loggedGated, log, next++, gate.url);
      const rest = Array.from({ length: 2 + round }, () => executor.submit(logged, log, next++));
      await settlesWithin(Promise.all(rest.map((f) => f.result())), 30_000, `round ${round}`);
      assert.equal(blocker.done(), false);
      gate.open();
      await blocker.result();
    }
    const runs = readFileSync(log, "utf8").trim().split("\n").map(Number);
    assert.deepEqual(runs.sort((a, b) => a - b), Array.from({ length: next }, (_, i) => i));
  });

  it("delivers a failed task's error while the next task blocks the same worker", async () => {
    using dir = scratch();
    const release = dir.path("release");
    await using executor = create({ maxWorkers: 1 });
    try {
      // Known quick: each call so far failed at once.
      await warm(executor, failWith);
      const failing = executor.submit(failWith, 7);
      const blocking = executor.submit(blockUntilExists, release);
      const error = await settlesWithin(failing.exception(), 30_000, "the failed task");
      assert.ok(error instanceof RangeError);
      assert.equal((error as Error).message, "failed 7");
      assert.equal(blocking.done(), false);
      writeFileSync(release, "");
      assert.equal(await blocking.result(), "released");
    } finally {
      writeFileSync(release, ""); // never leave a worker blocked
    }
  });

  it("starts minWorkers workers at construction, before any submit", async () => {
    await using gate = await openGate();
    await using executor = create({
      maxWorkers: 2,
      minWorkers: 2,
      initializer: async (url: string) => void await (await fetch(url)).text(),
      initargs: [gate.url],
    });
    await settlesWithin(gate.arrived(2), 30_000, "two initializers");
    gate.open();
    assert.equal(await executor.submit((x: number) => x * 2, 21).result(), 42);
  });

  it("checks minWorkers and idleTimeout", async () => {
    for (const bad of ["1", null, 1n]) {
      assert.throws(() => create({ minWorkers: bad as unknown as number }), TypeError);
      assert.throws(() => create({ idleTimeout: bad as unknown as number }), TypeError);
    }
    for (const bad of [-1, 1.5, NaN, 3]) {
      assert.throws(() => create({ maxWorkers: 2, minWorkers: bad }), RangeError);
    }
    for (const bad of [-1, NaN, -Infinity]) {
      assert.throws(() => create({ idleTimeout: bad }), RangeError);
    }
    for (const options of [{ minWorkers: 0 }, { idleTimeout: 0 }, { idleTimeout: Infinity }]) {
      await create({ maxWorkers: 1, ...options }).shutdown();
    }
  });
}
