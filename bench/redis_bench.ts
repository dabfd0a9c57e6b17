// RedisExecutor on loopback with two worker nodes, beside a raw Redis round
// trip and the local ProcessPoolExecutor, in one run, so each figure reads
// as a ratio:
//
//   deno run -A bench/redis_bench.ts [--quick] [--latency] [--rounds N]
//                                    [--pool process|thread] [--workers N]
//                                    [--bullmq <dir with node_modules/bullmq>]
//   bun bench/redis_bench.ts [same flags]
//
// It starts its own redis-server (tests/_redis_server.ts). Columns:
// - raw: XADD → XREADGROUP (two echo processes, bench/_redis_echo.ts) → XADD
//   back → XREAD: a stream round trip with the same client, nothing run.
// - RedisExecutor: two worker nodes (redis_worker.ts, each with a local
//   pool of --workers, default 1), inline task `(x) => x + 1`.
// - ProcessPoolExecutor: the local pool, maxWorkers 2, same tasks.
// - BullMQ: with --bullmq, two Node worker processes (concurrency 100) on
//   the same server, under Node (bench/_bullmq_peer.mjs).
// Rows: latency (submit → result, one at a time) p50/p99; tiny tasks/s (N
// submits, then all results); map items/s with chunksize 10,000. Targets:
// latency p50 ≤ 2× raw, tiny ≥ 20k tasks/s, map ≥ 1M items/s. --latency runs
// the latency rows alone (more rounds in the same time). Where the latency
// goes, leg by leg: bench/redis_legs.ts; against another version of this
// package in the same run: bench/redis_ab.ts.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { RedisClient } from "../_redis/client.ts";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";
import type { Executor } from "../future.ts";
import { RedisExecutor } from "../redis.ts";
import { RedisServer } from "../tests/_redis_server.ts";
import { RAW_RESULTS, RAW_TASKS } from "./_redis_echo.ts";
import { startChild } from "./_bench_child.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const quick = argv.includes("--quick");
const latencyOnly = argv.includes("--latency");
const pool = flag("--pool") ?? "process";
const workers = flag("--workers") ?? "1";
const bullmq = flag("--bullmq");
const ROUNDS = Number(flag("--rounds") ?? (quick ? 1 : 3));
const SIZES = quick
  ? { latency: 100, tiny: 2_000, map: 100_000 }
  : { latency: 1_000, tiny: 20_000, map: 1_000_000 };
const CHUNK = 10_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

interface Figures {
  p50: number[];
  p99: number[];
  tiny: number[];
  map: number[];
}
const empty = (): Figures => ({ p50: [], p99: [], tiny: [], map: [] });

/** A child of this runtime running `module` (beside this file): its stop. */
async function child(module: string, args: string[]): Promise<() => Promise<void>> {
  return (await startChild(new URL(module, import.meta.url).pathname, args)).stop;
}

async function rawRound(url: string, figures: Figures): Promise<void> {
  const client = new RedisClient(url);
  const reader = client.duplicate();
  let last = (await client.send(["XADD", RAW_RESULTS, "*", "v", "start"])) as string;
  const read = async (count: number) => {
    for (let seen = 0; seen < count;) {
      const reply = await reader.send(
        ["XREAD", "COUNT", 10_000, "BLOCK", 0, "STREAMS", RAW_RESULTS, last],
      ) as [string, [string, string[]][]][];
      const entries = reply[0]![1];
      seen += entries.length;
      last = entries.at(-1)![0];
    }
  };
  const latencies: number[] = [];
  for (let i = 0; i < SIZES.latency + 50; i++) {
    const start = performance.now();
    client.send(["XADD", RAW_TASKS, "*", "v", i]);
    await read(1);
    if (i >= 50) latencies.push(performance.now() - start);
  }
  figures.p50.push(percentile(latencies, 0.5));
  figures.p99.push(percentile(latencies, 0.99));
  if (!latencyOnly) {
    const start = performance.now();
    for (let i = 0; i < SIZES.tiny; i++) {
      client.send(["XADD", RAW_TASKS, "*", "v", i]);
    }
    await read(SIZES.tiny);
    figures.tiny.push(SIZES.tiny / ((performance.now() - start) / 1000));
  }
  await client.send(["DEL", RAW_RESULTS]);
  await Promise.all([client.close(), reader.close()]);
}

async function executorRound(
  executor: Executor,
  input: number[],
  figures: Figures,
) {
  const inc = (x: number) => x + 1;
  for (let i = 0; i < 50; i++) await executor.submit(inc, i).result();
  const latencies: number[] = [];
  for (let i = 0; i < SIZES.latency; i++) {
    const start = performance.now();
    await executor.submit(inc, i).result();
    latencies.push(performance.now() - start);
  }
  figures.p50.push(percentile(latencies, 0.5));
  figures.p99.push(percentile(latencies, 0.99));
  if (latencyOnly) return;
  let start = performance.now();
  const futures = new Array(SIZES.tiny);
  for (let i = 0; i < SIZES.tiny; i++) futures[i] = executor.submit(inc, i);
  for (const future of futures) await future.result();
  figures.tiny.push(SIZES.tiny / ((performance.now() - start) / 1000));
  start = performance.now();
  let n = 0;
  for await (const _ of executor.map(inc, input, { chunksize: CHUNK })) n++;
  figures.map.push(n / ((performance.now() - start) / 1000));
}

function peer(
  url: string,
): { p50: number; p99: number; tinyPerSec: number } | undefined {
  if (bullmq === undefined) return undefined;
  if (!existsSync(`${bullmq}/node_modules/bullmq`)) {
    console.log(
      `BullMQ: not found in ${bullmq} (npm install bullmq there); row skipped`,
    );
    return undefined;
  }
  const script = new URL("./_bullmq_peer.mjs", import.meta.url).pathname;
  const out = spawnSync("node", [
    script,
    bullmq,
    url,
    String(SIZES.tiny),
    String(SIZES.latency),
  ], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (out.status !== 0) {
    console.log(
      `BullMQ: peer run failed (${out.error?.message ?? out.status}); row skipped`,
    );
    return undefined;
  }
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!);
}

function cell(values: number[], unit: "ms" | "/s"): string {
  if (values.length === 0) return "—";
  const m = median(values);
  return unit === "ms" ? `${m.toFixed(3)} ms` : `${(m / 1000).toFixed(1)}k/s`;
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const stops: (() => Promise<void>)[] = [];
  try {
    stops.push(await child("./_redis_echo.ts", [server.url, "e1"]));
    stops.push(await child("./_redis_echo.ts", [server.url, "e2"]));
    const node = ["--url", server.url, "--queue", "bench", "--allow-inline"];
    node.push("--pool", pool, "--workers", workers);
    stops.push(await child("../redis_worker.ts", node));
    stops.push(await child("../redis_worker.ts", node));
    const input = latencyOnly ? [] : Array.from({ length: SIZES.map }, (_, i) => i);
    const [raw, redis, local] = [empty(), empty(), empty()];
    const executor = new RedisExecutor({ url: server.url, queue: "bench" });
    const processes = new ProcessPoolExecutor({ maxWorkers: 2 });
    try {
      // Rounds alternate, so drift on the machine hits every column.
      for (let round = 0; round < ROUNDS; round++) {
        await rawRound(server.url, raw);
        await executorRound(executor, input, redis);
        await executorRound(processes, input, local);
      }
    } finally {
      await executor.shutdown();
      await processes.shutdown();
    }
    const bull = peer(server.url);
    const b = (v: number | undefined, unit: "ms" | "/s") => v === undefined ? "—" : cell([v], unit);
    console.log(
      `${runtime} ${runtime === "deno" ? Deno.version.deno : process.versions[runtime]}, ` +
        `2 worker nodes (${pool} pool, ${workers} worker${workers === "1" ? "" : "s"} each), ` +
        `medians of ${ROUNDS} round${ROUNDS === 1 ? "" : "s"}${
          quick ? " (quick: numbers mean nothing)" : ""
        }`,
    );
    // Each round's ratio to the raw round trip measured just before it;
    // the verdict reads their median, so drift on the machine cancels.
    const ratios = redis.p50.map((p50, at) => p50 / raw.p50[at]!);
    const ratio = median(ratios);
    const perRound = ratios.map((r) => r.toFixed(2)).join(" ");
    const rows: [string, string, string, string, string, string][] = [
      [
        "",
        "raw stream RT",
        "RedisExecutor",
        "ProcessPool",
        "BullMQ (node)",
        "target",
      ],
      [
        "latency p50",
        cell(raw.p50, "ms"),
        cell(redis.p50, "ms"),
        cell(local.p50, "ms"),
        b(bull?.p50, "ms"),
        verdict(ratio <= 2, `≤ 2× raw: ${ratio.toFixed(2)}×, by round ${perRound}`),
      ],
      [
        "latency p99",
        cell(raw.p99, "ms"),
        cell(redis.p99, "ms"),
        cell(local.p99, "ms"),
        b(bull?.p99, "ms"),
        "",
      ],
    ];
    if (!latencyOnly) {
      rows.push([
        `tiny ×${SIZES.tiny}`,
        cell(raw.tiny, "/s"),
        cell(redis.tiny, "/s"),
        cell(local.tiny, "/s"),
        b(bull?.tinyPerSec, "/s"),
        verdict(median(redis.tiny) >= 20_000, "≥ 20k/s"),
      ], [
        `map ×${SIZES.map / 1000}k, chunks of ${CHUNK / 1000}k`,
        "—",
        cell(redis.map, "/s"),
        cell(local.map, "/s"),
        "—",
        verdict(median(redis.map) >= 1_000_000, "≥ 1M/s"),
      ]);
    }
    for (const row of rows) {
      console.log(
        row[0].padEnd(26) + row.slice(1, 5).map((c) => c.padStart(15)).join("") + "  " +
          row[5],
      );
    }
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await server.stop();
  }
}

function verdict(ok: boolean, what: string): string {
  return `${ok ? "PASS" : "MISS"} (${what})`;
}

await main();
