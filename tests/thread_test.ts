// ThreadPoolExecutor behaviour that is specific to threads. The behaviour
// every executor shares is in the conformance suite (thread_conformance_test).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokenExecutor, CancelledError, fromModule, type Future, transfer } from "../future.ts";
import { BrokenThreadPool, ThreadPoolExecutor } from "../thread.ts";
import { runtime } from "../_runtime/runtime.ts";
import { openGate } from "./_gate.ts";
import { runScript } from "./_run_script.ts";
import { assertResultsNotHeldBack, blockUntilExists } from "./_held_results.ts";

type Tasks = typeof import("./fixtures/tasks.ts");
const tasks = fromModule<Tasks>(
  new URL("./fixtures/tasks.ts", import.meta.url),
);

const selfName = () => (globalThis as unknown as { self: { name: string } }).self.name;

test("ThreadPoolExecutor() rejects a maxWorkers that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(
      () => new ThreadPoolExecutor({ maxWorkers: bad }),
      RangeError,
    );
  }
  assert.throws(
    () => new ThreadPoolExecutor({ maxWorkers: "2" as unknown as number }),
    TypeError,
  );
  assert.throws(
    () =>
      new ThreadPoolExecutor(
        { max_workers: 2 } as unknown as { maxWorkers: number },
      ),
    TypeError,
  );
  assert.throws(
    () => new ThreadPoolExecutor({ threadNamePrefix: 1 as unknown as string }),
    TypeError,
  );
  assert.throws(
    () => new ThreadPoolExecutor({ initargs: 1 as unknown as [] }),
    TypeError,
  );
  assert.throws(
    () => new ThreadPoolExecutor({ initializer: Math.max }),
    TypeError,
  );
});

test("ThreadPoolExecutor names its workers threadNamePrefix_n", async () => {
  await using gate = await openGate();
  await using executor = new ThreadPoolExecutor({
    maxWorkers: 2,
    threadNamePrefix: "Special",
  });
  const futures = [0, 1].map(() =>
    executor.submit(async (url: string) => {
      await (await fetch(url)).text();
      return (globalThis as unknown as { self: { name: string } }).self.name;
    }, gate.url)
  );
  await gate.arrived(2);
  gate.open();
  const names = await Promise.all(futures.map((f) => f.result()));
  assert.deepEqual(names.sort(), ["Special_0", "Special_1"]);
});

test("ThreadPoolExecutor's default names are ThreadPoolExecutor-k_n", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.match(
    await executor.submit(selfName).result(),
    /^ThreadPoolExecutor-\d+_0$/,
  );
});

test("ThreadPoolExecutor starts workers lazily and reuses an idle one", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
  const names = new Set<string>();
  for (let i = 0; i < 3; i++) {
    names.add(await executor.submit(selfName).result());
  }
  assert.equal(names.size, 1);
});

test("ThreadPoolExecutor runs at most maxWorkers threads (saturation)", async () => {
  await using gate = await openGate();
  await using executor = new ThreadPoolExecutor({ maxWorkers: 3 });
  const futures = Array.from(
    { length: 12 },
    () =>
      executor.submit(async (url: string) => {
        await (await fetch(url)).text();
        return (globalThis as unknown as { self: { name: string } }).self.name;
      }, gate.url),
  );
  await gate.arrived(3);
  gate.open();
  const names = new Set(await Promise.all(futures.map((f) => f.result())));
  assert.equal(names.size, 3);
});

test("ThreadPoolExecutor's maxWorkers defaults to navigator.hardwareConcurrency", async () => {
  const n = navigator.hardwareConcurrency;
  await using gate = await openGate();
  await using executor = new ThreadPoolExecutor();
  const futures = Array.from(
    { length: n + 2 },
    () =>
      executor.submit(async (url: string) => {
        await (await fetch(url)).text();
        return (globalThis as unknown as { self: { name: string } }).self.name;
      }, gate.url),
  );
  await gate.arrived(n);
  gate.open();
  assert.equal(
    new Set(await Promise.all(futures.map((f) => f.result()))).size,
    n,
  );
});

test("ThreadPoolExecutor runs an async initializer once per worker before its tasks", async () => {
  await using executor = new ThreadPoolExecutor({
    maxWorkers: 1,
    initializer: async (value: string) => {
      await Promise.resolve();
      const g = globalThis as unknown as {
        initCount?: number;
        initValue?: string;
      };
      g.initCount = (g.initCount ?? 0) + 1;
      g.initValue = value;
    },
    initargs: ["ready"],
  });
  const read = () => {
    const g = globalThis as unknown as {
      initCount?: number;
      initValue?: string;
    };
    return `${g.initValue}:${g.initCount}`;
  };
  assert.equal(await executor.submit(read).result(), "ready:1");
  assert.equal(await executor.submit(read).result(), "ready:1");
});

test("ThreadPoolExecutor accepts a module function as initializer", async () => {
  await using executor = new ThreadPoolExecutor({
    maxWorkers: 1,
    initializer: tasks.add,
    initargs: [1, 2],
  });
  assert.equal(await executor.submit(tasks.add, 2, 3).result(), 5);
});

test("a fromModule() reference called directly throws a TypeError that says to submit it", () => {
  assert.equal(typeof tasks.fib, "function");
  assert.equal(tasks.fib.name, "fib");
  assert.throws(() => tasks.fib(3), {
    name: "TypeError",
    message: /^Cannot call fib from fromModule\(\): it runs only in a worker; submit it/,
  });
});

test("a fromModule() namespace is neither thenable nor JSON-serialized through a reference", async () => {
  // JSON.stringify calls a toJSON it finds: a reference there threw.
  assert.equal(JSON.stringify({ tasks }), '{"tasks":{}}');
  assert.equal(await Promise.resolve(tasks), tasks);
});

test("ThreadPoolExecutor breaks when the initializer throws", async () => {
  const executor = new ThreadPoolExecutor({
    maxWorkers: 2,
    initializer: () => {
      throw new RangeError("init failed");
    },
  });
  const futures = [1, 2, 3].map((x) => executor.submit((n: number) => n, x));
  for (const future of futures) {
    const error = await future.exception();
    assert.ok(error instanceof BrokenThreadPool);
    assert.ok(error instanceof BrokenExecutor);
    assert.ok((error as Error).cause instanceof RangeError);
    assert.equal(((error as Error).cause as Error).message, "init failed");
  }
  assert.throws(() => executor.submit(() => 1), BrokenThreadPool);
  await executor.shutdown();
});

test("ThreadPoolExecutor breaks when a worker throws outside a task, and the process survives", async () => {
  await using gate = await openGate();
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const first = executor.submit(() => {
    setTimeout(() => {
      throw new Error("thrown from a timer");
    }, 0);
    return "scheduled";
  });
  const second = executor.submit(async (url: string) => {
    await (await fetch(url)).text();
    return "never";
  }, gate.url);
  assert.equal(await first.result(), "scheduled");
  const error = await second.exception();
  assert.ok(error instanceof BrokenThreadPool);
  assert.equal(
    ((error as Error).cause as Error).message,
    "thrown from a timer",
  );
  assert.throws(() => executor.submit(() => 1), BrokenThreadPool);
  await executor.shutdown();
});

test("ThreadPoolExecutor breaks when a worker calls self.close() or process.exit()", async () => {
  for (
    const end of [
      () => (self as unknown as { close(): void }).close(),
      () => process.exit(3),
    ]
  ) {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const running = executor.submit(end);
    const queued = executor.submit(() => "never");
    for (const future of [running, queued]) {
      assert.ok((await future.exception()) instanceof BrokenThreadPool);
    }
    await executor.shutdown();
  }
});

test("ThreadPoolExecutor breaks when a task leaves a promise rejected or calls Deno.exit()", async () => {
  const ends: [() => unknown, RegExp][] = [
    [() => void Promise.reject(new Error("left rejected")), /left rejected/],
    [() => void setTimeout(() => Promise.reject(new Error("rejected later"))), /rejected later/],
  ];
  // Deno's web Worker sends no event when a worker calls Deno.exit(): the
  // worker code says so itself (_wire/thread_exit.ts).
  if ("Deno" in globalThis) {
    ends.push([
      () => (globalThis as unknown as { Deno: { exit(code: number): void } }).Deno.exit(5),
      /code 5/,
    ]);
  }
  for (const [end, cause] of ends) {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    executor.submit(end);
    const queued = executor.submit(() => new Promise(() => {}));
    const error = await queued.exception();
    assert.ok(error instanceof BrokenThreadPool, String(error));
    assert.match(String((error.cause as Error | undefined)?.message), cause);
    await executor.shutdown();
  }
});

test("ThreadPoolExecutor passes errors with class, name, message, own properties and worker stack", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const error = await executor.submit(function thrower() {
    class QuotaError extends RangeError {
      readonly limit: number;
      constructor(limit: number) {
        super(`over ${limit}`);
        this.limit = limit;
        this.name = "QuotaError";
      }
    }
    const e = new QuotaError(5) as QuotaError & {
      code: string;
      detail: object;
    };
    e.code = "E_QUOTA";
    e.detail = { at: new Date(0), tags: new Set(["a"]) };
    throw new Error("outer", { cause: e });
  }).exception() as Error & {
    cause: RangeError & { code: string; limit: number; detail: unknown };
  };
  assert.equal(error.constructor, Error);
  assert.equal(error.message, "outer");
  assert.ok(error.cause instanceof RangeError);
  assert.equal(error.cause.name, "QuotaError");
  assert.equal(error.cause.message, "over 5");
  assert.equal(error.cause.code, "E_QUOTA");
  assert.equal(error.cause.limit, 5);
  assert.deepEqual(error.cause.detail, {
    at: new Date(0),
    tags: new Set(["a"]),
  });
  assert.match(error.stack ?? "", /thrower/);
});

test("ThreadPoolExecutor passes AggregateError.errors and thrown non-Error values as they are", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const aggregate = await executor.submit(() => {
    throw new AggregateError([new TypeError("a"), "b"], "both");
  }).exception() as AggregateError;
  assert.ok(aggregate instanceof AggregateError);
  assert.ok(aggregate.errors[0] instanceof TypeError);
  assert.equal(aggregate.errors[1], "b");
  for (const value of ["text", 0, null, { reason: 1n }]) {
    const thrown = await executor.submit((v: unknown) => {
      throw v;
    }, value).exception();
    assert.deepEqual(thrown, value);
  }
});

test("ThreadPoolExecutor adds a hint to the ReferenceError of a closure", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const outside = 41;
  const error = await executor.submit(() => outside + 1).exception() as Error;
  assert.ok(error instanceof ReferenceError);
  assert.match(error.message, /outside/);
  assert.match(error.message, /fromModule/);
});

test("ThreadPoolExecutor.submit() refuses native, bound and class functions with a TypeError", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => executor.submit(Math.pow, 2, 3), {
    name: "TypeError",
    message: /native/,
  });
  assert.throws(() => executor.submit(((x: number) => x).bind(null), 1), {
    name: "TypeError",
    message: /bound/,
  });
  assert.throws(
    () => executor.submit(class A {} as unknown as () => void),
    TypeError,
  );
  assert.throws(() => executor.submit(42 as unknown as () => void), TypeError);
});

test("ThreadPoolExecutor runs arrow, function, async and method-shorthand tasks", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const obj = {
    double(x: number) {
      return x * 2;
    },
    async triple(x: number) {
      return await Promise.resolve(x * 3);
    },
  };
  function square(x: number) {
    return x * x;
  }
  assert.equal(await executor.submit((x: number) => x + 1, 1).result(), 2);
  assert.equal(await executor.submit(square, 3).result(), 9);
  assert.equal(
    await executor.submit(async (x: number) => await Promise.resolve(x - 1), 1)
      .result(),
    0,
  );
  assert.equal(await executor.submit(obj.double, 4).result(), 8);
  assert.equal(await executor.submit(obj.triple, 4).result(), 12);
});

test("ThreadPoolExecutor sends a finished result before a long synchronous task after it", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  await assertResultsNotHeldBack(executor);
});

// Results reach the pool by two roads (_wire/result_ring.ts): plain ones
// (numbers, undefined) through shared memory, the rest on a port. Each kind
// below takes its road; a result out of order would break the pool.
const mixed = (i: number) => {
  switch (i % 5) {
    case 0:
      return i;
    case 1:
      return { i };
    case 2:
      return undefined;
    case 3: {
      const bytes = new Uint8Array([i & 255]);
      return transfer(bytes, [bytes.buffer]); // the worker binds its own
    }
    default:
      throw new RangeError(`no ${i}`);
  }
};
async function assertMixed(futures: Future<unknown>[], from = 0): Promise<void> {
  for (const [k, future] of futures.entries()) {
    const i = from + k;
    if (i % 5 === 4) {
      const error = await future.exception();
      assert.ok(error instanceof RangeError && error.message === `no ${i}`, String(error));
    } else {
      const value = await future.result();
      const expected = [i, { i }, undefined, new Uint8Array([i & 255])][i % 5];
      assert.deepEqual(value, expected);
    }
  }
}

test("ThreadPoolExecutor returns results of every kind in order, more than its result ring holds", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const n = 12_000; // about three times round each worker's ring
  await assertMixed(Array.from({ length: n }, (_, i) => executor.submit(mixed, i)));
  const plain = Array.from({ length: n }, (_, i) => executor.submit((x: number) => x * 2, i));
  for (const [i, future] of plain.entries()) assert.equal(await future.result(), i * 2);
});

test("ThreadPoolExecutor delivers results of every kind while the worker then blocks", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const dir = mkdtempSync(join(tmpdir(), "mixed-"));
  const release = join(dir, "release");
  try {
    // Tiny calls first, so the next ones reach the worker in one batch.
    await Promise.all(Array.from({ length: 200 }, (_, i) => executor.submit(mixed, i).exception()));
    const quick = Array.from({ length: 40 }, (_, i) => executor.submit(mixed, i));
    const blocking = executor.submit(blockUntilExists, release);
    await assertMixed(quick); // while the worker blocks
    assert.ok(!blocking.done());
    writeFileSync(release, "");
    assert.equal(await blocking.result(), "released");
  } finally {
    writeFileSync(release, "");
    rmSync(dir, { recursive: true });
  }
});

test("ThreadPoolExecutor delivers every result a worker posted before it exited", async () => {
  for (let round = 0; round < 5; round++) {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    // Taught to send ahead, the worker gets the results' tasks and the exit
    // in one batch: it posts the results and exits at once.
    await Promise.all(Array.from({ length: 200 }, (_, i) => executor.submit(mixed, i).exception()));
    const before = Array.from({ length: 40 }, (_, i) => executor.submit(mixed, i));
    const exiting = executor.submit(() => process.exit(0));
    await assertMixed(before);
    assert.ok((await exiting.exception()) instanceof BrokenThreadPool);
    await executor.shutdown();
  }
});

test("ThreadPoolExecutor fails only the future whose argument or result cannot be cloned", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const good = executor.submit((x: number) => x, 1);
  const badArg = executor.submit((f: unknown) => typeof f, () => 1);
  const badResult = executor.submit(() => () => 1);
  const after = executor.submit((x: number) => x, 2);
  assert.equal(await good.result(), 1);
  assert.ok((await badArg.exception()) instanceof TypeError);
  assert.ok((await badResult.exception()) instanceof TypeError);
  assert.equal(await after.result(), 2);
});

test("ThreadPoolExecutor sends the next task when the first one cannot be sent", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  // A new worker takes one task at a time; the one that cannot cross fails
  // at once and must not leave the worker idle with work queued.
  const bad = executor.submit((f: unknown) => typeof f, () => 1);
  const next = executor.submit((x: number) => x, 3);
  assert.ok((await bad.exception()) instanceof TypeError);
  assert.equal(await next.result(), 3);
});

test("ThreadPoolExecutor fails a missing module or export clearly and stays usable", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const missing = fromModule<{ f(): number }>(
    new URL("./fixtures/no_such_module.ts", import.meta.url),
  );
  assert.ok((await executor.submit(missing.f).exception()) instanceof Error);
  const noExport = fromModule<{ nope(): number }>(
    new URL("./fixtures/tasks.ts", import.meta.url),
  );
  const error = await executor.submit(noExport.nope).exception() as Error;
  assert.ok(error instanceof TypeError);
  assert.match(error.message, /nope/);
  assert.equal(await executor.submit(tasks.add, 1, 1).result(), 2);
});

test("ThreadPoolExecutor cancels tasks sent ahead to a busy worker that have not started", async () => {
  await using gate = await openGate();
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  // Many tiny tasks teach the pool to send work ahead of the busy worker.
  await Promise.all(
    Array.from(
      { length: 2000 },
      (_, i) => executor.submit((x: number) => x, i).result(),
    ),
  );
  const blocker = executor.submit(
    async (url: string) => (await fetch(url)).text(),
    gate.url,
  );
  const behind = Array.from({ length: 50 }, () => executor.submit(() => "ran"));
  await gate.arrived(1);
  assert.ok(blocker.running());
  assert.ok(behind.every((f) => f.cancel()));
  gate.open();
  await blocker.result();
  for (const f of behind) await assert.rejects(f.result(), CancelledError);
  assert.equal(
    await executor.submit(() => "still fine").result(),
    "still fine",
  );
});

test("ThreadPoolExecutor lets a script that never shuts it down exit by itself", async () => {
  const { code, stdout, stderr } = await runScript(
    new URL("./fixtures/thread_idle_script.ts", import.meta.url),
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "[10,20,30]");
});

test("ThreadPoolExecutor lets a script exit while it holds an idle pool whose minWorkers never all ran a task", async () => {
  const { code, stdout, stderr } = await runScript(
    new URL("./fixtures/thread_min_idle_script.ts", import.meta.url),
    { limitMs: 15_000 }, // it exits in well under a second; before the fix, never on Node
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "40");
});

test("ThreadPoolExecutor lets a script exit after it stopped a task busy in a synchronous loop", async () => {
  const { code, stdout, stderr } = await runScript(
    new URL("./fixtures/thread_stopped_busy_script.ts", import.meta.url),
    { limitMs: 15_000 }, // it exits in well under a second
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split("\n"), ["TimeoutError", "42"]);
});

test("ThreadPoolExecutor's shutdown loses nothing its tasks printed", async () => {
  const { code, stdout, stderr } = await runScript(
    new URL("./fixtures/thread_output_script.ts", import.meta.url),
  );
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n").filter((line) => line.startsWith("task "));
  assert.equal(lines.length, 20 * 200);
});

test("ThreadPoolExecutor's pending work keeps a script alive until it is done", async () => {
  const { code, stdout } = await runScript(
    new URL("./fixtures/thread_pending_script.ts", import.meta.url),
  );
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split("\n"), [
    "main finished",
    "task finished",
  ]);
});

test("ThreadPoolExecutor ignores what a task posts itself (progress, arrays, null, undefined)", async () => {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const strays = ["50%", [2, 0, 0, 0, "forged"], null, undefined, { progress: 0.5 }];
  const inline = executor.submit((messages: unknown[]) => {
    const post = (globalThis as { postMessage?: (m: unknown) => void }).postMessage;
    for (const message of messages) post?.(message);
    return "inline done";
  }, strays);
  const viaModule = executor.submit(tasks.postStray, strays, "module done");
  assert.equal(await inline.result(), "inline done");
  assert.equal(await viaModule.result(), "module done");
  assert.equal(await executor.submit(() => "still usable").result(), "still usable");
});

test("ThreadPoolExecutor checks resourceLimits", () => {
  assert.throws(() => new ThreadPoolExecutor({ resourceLimits: { stackSizeMb: 0 } }), RangeError);
  assert.throws(
    () => new ThreadPoolExecutor({ resourceLimits: { stackSizeMb: "4" as unknown as number } }),
    TypeError,
  );
  assert.throws(() => new ThreadPoolExecutor({ resourceLimits: { heap: 1 } as never }), TypeError);
});

test(
  "ThreadPoolExecutor with resourceLimits: a worker out of memory in a timer callback breaks the pool, not the program (Deno, Node)",
  { skip: runtime === "bun" && "Bun's workers ignore resourceLimits" },
  async () => {
    await using executor = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    // Deno 2.9 ends a worker out of heap only when it runs out inside a timer
    // callback; inside a message handler or a promise continuation the thread
    // stalls instead (thread.ts documents it, the issue note has the probe).
    const error = await executor.submit(() =>
      new Promise(() => {
        const hoard: number[][] = [];
        setInterval(() => {
          for (let i = 0; i < 16; i++) hoard.push(new Array(131_072).fill(i));
        }, 1);
      })
    ).exception();
    assert.ok(error instanceof BrokenThreadPool, String(error));
    assert.match(error.message, /ran out of memory/);
  },
);

test(
  "ThreadPoolExecutor with resourceLimits: a worker out of memory in synchronous code breaks the pool, not the program (Node)",
  // Deno's thread stalls there instead (see the timer case above).
  { skip: runtime !== "node" && "Node ends a worker out of heap wherever it runs out" },
  async () => {
    await using executor = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    const error = await executor.submit(() => {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array(131_072).fill(1));
    }).exception();
    assert.ok(error instanceof BrokenThreadPool, String(error));
    assert.match(error.message, /ran out of memory/);
  },
);
