// RedisExecutor latency against another version of this package, in one
// run: the raw stream round trip of bench/redis_bench.ts, the other
// version's executor and nodes (queue "a"), and this one's (queue "b"), in
// alternating rounds on one redis-server, so drift on the machine hits all
// three alike.
//
//   git archive main | tar -x -C /tmp/base
//   deno run -A bench/redis_ab.ts /tmp/base [--rounds N] [--tasks N] [--pool process|thread]
//   bun bench/redis_ab.ts /tmp/base [same flags]
//
// Each side has two worker nodes of its own version (that version's
// redis_worker.ts, a local pool of 1). Prints each round's p50s and the
// medians of the per-round ratios.

import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { RedisClient } from "../_redis/client.ts";
import { runtime } from "../_runtime/runtime.ts";
import * as here from "../redis.ts";
import { RedisServer } from "../tests/_redis_server.ts";
import { add, sample, type Sched } from "./_sched.ts";
import { startChild } from "./_bench_child.ts";
import { RAW_RESULTS, RAW_TASKS } from "./_redis_echo.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
if (!argv[0] || argv[0].startsWith("--")) {
  throw new TypeError("Usage: redis_ab.ts <folder of the other version> [--rounds N]");
}
const BASE = resolve(argv[0]);
const ROUNDS = Number(flag("--rounds") ?? 9);
const TASKS = Number(flag("--tasks") ?? 400);
const POOL = flag("--pool") ?? "process";
const WARM = 50;
const HERE = new URL("..", import.meta.url).pathname;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function raw(url: string): Promise<number> {
  const client = new RedisClient(url);
  const reader = client.duplicate();
  let last = (await client.send(["XADD", RAW_RESULTS, "*", "v", "start"])) as string;
  const latencies: number[] = [];
  for (let i = 0; i < WARM + TASKS; i++) {
    const start = performance.now();
    client.send(["XADD", RAW_TASKS, "*", "v", i]);
    const reply = await reader.send(
      ["XREAD", "COUNT", 100, "BLOCK", 0, "STREAMS", RAW_RESULTS, last],
    ) as [string, [string, string[]][]][];
    last = reply[0]![1].at(-1)![0];
    if (i >= WARM) latencies.push(performance.now() - start);
  }
  await client.send(["DEL", RAW_RESULTS]);
  await Promise.all([client.close(), reader.close()]);
  return median(latencies);
}

async function ours(executor: here.RedisExecutor): Promise<number> {
  const inc = (x: number) => x + 1;
  const latencies: number[] = [];
  for (let i = 0; i < WARM + TASKS; i++) {
    const start = performance.now();
    await executor.submit(inc, i).result();
    if (i >= WARM) latencies.push(performance.now() - start);
  }
  return median(latencies);
}

async function main(): Promise<void> {
  const base = await import(pathToFileURL(resolve(BASE, "redis.ts")).href) as typeof here;
  const server = await RedisServer.start();
  const stops: (() => Promise<void>)[] = [];
  try {
    const echo = new URL("./_redis_echo.ts", import.meta.url).pathname;
    const roles = new Map<number, string>([[process.pid, "executor"]]);
    for (const name of ["e1", "e2"]) {
      const { pid, stop } = await startChild(echo, [server.url, name]);
      stops.push(stop);
      roles.set(pid, "echo");
    }
    for (const [dir, queue] of [[BASE, "a"], [HERE, "b"], [BASE, "a"], [HERE, "b"]]) {
      const node = ["--url", server.url, "--queue", queue!, "--allow-inline"];
      node.push("--pool", POOL, "--workers", "1");
      const { pid, stop } = await startChild(resolve(dir!, "redis_worker.ts"), node);
      stops.push(stop);
      roles.set(pid, `node ${queue}`);
    }
    const cpu = {
      raw: new Map<string, Sched>(),
      a: new Map<string, Sched>(),
      b: new Map<string, Sched>(),
    };
    // Runs one phase and adds the CPU its processes spent to `into`.
    const timed = async <T>(into: Map<string, Sched>, run: () => Promise<T>): Promise<T> => {
      const before = sample(roles);
      const value = await run();
      add(into, before, sample(roles));
      return value;
    };
    const a = new base.RedisExecutor({ url: server.url, queue: "a" });
    const b = new here.RedisExecutor({ url: server.url, queue: "b" });
    const rows: [number, number, number][] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // The order turns each round, so neither side always follows the raw one.
        const r = await timed(cpu.raw, () => raw(server.url));
        let pa: number, pb: number;
        if (round % 2 === 0) {
          pa = await timed(cpu.a, () => ours(a));
          pb = await timed(cpu.b, () => ours(b));
        } else {
          pb = await timed(cpu.b, () => ours(b));
          pa = await timed(cpu.a, () => ours(a));
        }
        rows.push([r, pa, pb]);
        console.log(
          `round ${round + 1}: raw ${us(r)}, other ${us(pa)} (${(pa / r).toFixed(2)}×), ` +
            `this ${us(pb)} (${(pb / r).toFixed(2)}×)`,
        );
      }
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
    const ratio = (f: (row: [number, number, number]) => number) => median(rows.map(f)).toFixed(2);
    console.log(
      `${runtime} ${
        runtime === "deno" ? Deno.version.deno : process.versions[runtime]
      }, ${POOL} pool ` +
        `nodes, ${ROUNDS} rounds of ${TASKS}: p50 raw ${us(median(rows.map((r) => r[0])))}, ` +
        `other ${ratio((r) => r[1] / r[0])}× raw, this ${ratio((r) => r[2] / r[0])}× raw, ` +
        `this/other ${ratio((r) => r[2] / r[1])}`,
    );
    // CPU per task, by role, of each side (µs; the executor process is
    // shared, measured per phase; a side's nodes idle in the other phases).
    const tasks = ROUNDS * (TASKS + WARM);
    for (const [side, into] of [["raw", cpu.raw], ["other", cpu.a], ["this", cpu.b]] as const) {
      let total = 0;
      const cells = [...into].filter(([, s]) => s.cpu / tasks >= 5_000).map(([role, s]) => {
        total += s.cpu;
        return `${role.replace(/ [ab]\b/, "")} ${(s.cpu / tasks / 1000).toFixed(0)}`;
      });
      console.log(
        `  CPU µs per task, ${side}: ${(total / tasks / 1000).toFixed(0)} (${cells.join(", ")})`,
      );
    }
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await server.stop();
  }
}

function us(ms: number): string {
  return `${(ms * 1000).toFixed(0)} µs`;
}

await main();
