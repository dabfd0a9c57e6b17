// Where a RedisExecutor task's latency goes, leg by leg, beside the raw
// stream round trip of bench/redis_bench.ts, in one run:
//
//   deno run -A bench/redis_legs.ts [--tasks N] [--rounds N] [--pool process|thread|inline]
//                                   [--stats] [--threads] [--show]
//   bun bench/redis_legs.ts [same flags]   (node: same)
//
// --pool inline runs each task in the node's own thread, which no real node
// does: the floor of a design with no trip to a pool. --stats prints the
// server's time per command, --threads the CPU table by thread, --show the
// events of a few tasks. LEGS_TRACE=0 leaves the trace out (the CPU table
// alone); LEGS_FINE=1 splits the node's pick-up into its steps.
//
// Every process (this one, the two worker nodes, the two raw echo
// consumers) imports bench/_redis_trace.ts, which notes socket writes,
// reply chunks, the node's local runs and finishes with the wall clock; the
// task returns the wall clock where it ran. Tasks go one at a time, so each
// event between a submit and its result belongs to that task. The table is
// the median of each leg over all tasks (legs are medians of their own, so
// they need not add up to the total), with the raw round trip's legs beside.
// The trace costs a few µs per event; read the legs against each other.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { events, mark, type TraceEvent } from "./_redis_trace.ts";
import { add, sample, type Sched } from "./_sched.ts";
import { type BenchChild, startChild } from "./_bench_child.ts";
import { RedisClient } from "../_redis/client.ts";
import { runtime } from "../_runtime/runtime.ts";
import { RedisExecutor } from "../redis.ts";
import { RedisServer } from "../tests/_redis_server.ts";
import { RAW_RESULTS, RAW_TASKS } from "./_redis_echo.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const TASKS = Number(flag("--tasks") ?? 400);
const ROUNDS = Number(flag("--rounds") ?? 5);
const POOL = flag("--pool") ?? "process";
const WARM = 50;
// --threads: the CPU table by thread too.
const THREADS = argv.includes("--threads");

type Source = "x" | "n" | "e";
type Event = { at: number; what: string; text: string; from: Source };

async function child(module: string, args: string[]): Promise<BenchChild> {
  const file = new URL(module, import.meta.url).pathname;
  const flags = process.env.LEGS_PERF && runtime === "deno" ? ["--v8-flags=--perf-basic-prof"] : [];
  // LEGS_PROF=<dir>: Bun writes a CPU profile of each node there (markdown).
  const prof = process.env.LEGS_PROF && runtime === "bun" && module.includes("node")
    ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.LEGS_PROF}`, "--cpu-prof-interval=50"]
    : [];
  const started = await startChild(file, args, runtime === "deno" ? flags : prof);
  if (process.env.LEGS_PERF) console.error(`${module} pid ${started.pid}`);
  return started;
}

interface Window {
  kind: "ours" | "raw";
  from: number;
  to: number;
  ranAt?: number;
}

async function oursRound(executor: RedisExecutor, windows: Window[]): Promise<void> {
  const clock = () => performance.timeOrigin + performance.now();
  for (let i = 0; i < WARM + TASKS; i++) {
    const from = performance.timeOrigin + performance.now();
    mark("submit");
    const ranAt = await executor.submit(clock).result();
    mark("done");
    const to = performance.timeOrigin + performance.now();
    if (i >= WARM) windows.push({ kind: "ours", from, to, ranAt });
  }
}

async function rawRound(url: string, windows: Window[]): Promise<void> {
  const client = new RedisClient(url);
  const reader = client.duplicate();
  let last = (await client.send(["XADD", RAW_RESULTS, "*", "v", "start"])) as string;
  for (let i = 0; i < WARM + TASKS; i++) {
    const from = performance.timeOrigin + performance.now();
    mark("submit");
    const reading = reader.send(["XREAD", "COUNT", 100, "BLOCK", 0, "STREAMS", RAW_RESULTS, last]);
    client.send(["XADD", RAW_TASKS, "*", "v", i]);
    const reply = await reading as [string, [string, string[]][]][];
    last = reply[0]![1].at(-1)![0];
    mark("done");
    const to = performance.timeOrigin + performance.now();
    if (i >= WARM) windows.push({ kind: "raw", from, to });
  }
  await client.send(["DEL", RAW_RESULTS]);
  await Promise.all([client.close(), reader.close()]);
}

// The legs of one task: the time of each step after the submit, found as
// the first matching event after the previous step.
type Step = [label: string, from: Source, what: RegExp, text?: RegExp];
const OURS: Step[] = [
  ["executor writes XADD", "x", /^write$/, /XADD/],
  ["node reads the entry", "n", /^read/, /cf:\{/],
  ...(process.env.LEGS_FINE === "1"
    ? [["node has the replies", "n", /^verdicts$/], ["node takes them", "n", /^take$/]] as Step[]
    : []),
  ["node calls its pool", "n", /^run$/],
  ["task runs in the pool", "n", /^child$/],
  ["pool's result at node", "n", /^ran$/],
  ["node writes FINISH", "n", /^write$/, /EVALSHA/],
  ["executor reads result", "x", /^read/, /\$1 r /],
  ["result() resolves", "x", /^done$/],
];
const RAW: Step[] = [
  ["executor writes XADD", "x", /^write$/, /XADD/],
  ["echo reads the entry", "e", /^read/, /raw:\{/],
  ["echo writes XADD", "e", /^write$/, /XADD/],
  ["executor reads result", "x", /^read/, /raw:\{/],
  ["result resolves", "x", /^done$/],
];

function legs(window: Window, all: Event[], steps: Step[]): number[] | undefined {
  let at = window.from;
  const out: number[] = [];
  let i = lowerBound(all, window.from);
  for (const [, from, what, text] of steps) {
    while (
      i < all.length &&
      !(all[i]!.from === from && what.test(all[i]!.what) && (!text || text.test(all[i]!.text)))
    ) i++;
    if (i >= all.length || all[i]!.at > window.to + 0.001) return undefined;
    out.push(all[i]!.at - at);
    at = all[i]!.at;
  }
  return out;
}

function lowerBound(all: Event[], at: number): number {
  let lo = 0, hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

// Notices the executor read besides results: "started" marks.
function startedNotices(window: Window, all: Event[]): number {
  let n = 0;
  for (let i = lowerBound(all, window.from); i < all.length && all[i]!.at <= window.to; i++) {
    const e = all[i]!;
    if (e.from === "x" && e.what.startsWith("read") && /\$1 s /.test(e.text)) n++;
  }
  return n;
}

function report(windows: Window[], all: Event[]): void {
  for (const [kind, steps] of [["raw", RAW], ["ours", OURS]] as const) {
    const mine = windows.filter((w) => w.kind === kind);
    const rows: number[][] = [];
    const totals: number[] = [];
    let notices = 0;
    for (const w of mine) {
      const legsOf = legs(w, all, steps);
      if (legsOf === undefined) continue;
      rows.push(legsOf);
      totals.push(w.to - w.from);
      notices += startedNotices(w, all);
    }
    console.log(
      `${kind}: ${rows.length} of ${mine.length} tasks traced, total p50 ${us(median(totals))}` +
        (kind === "ours" ? `, "started" notices read: ${notices}` : ""),
    );
    steps.forEach(([label], at) => {
      console.log(`  ${label.padEnd(24)} +${us(median(rows.map((r) => r[at]!))).padStart(8)}`);
    });
  }
}

function schedReport(cpu: Record<"raw" | "ours", Map<string, Sched>>, tasks: number): void {
  const roles = ["executor", "redis-server", "echo", "node", "pool child"];
  if (THREADS) {
    roles.push(...new Set([...cpu.ours.keys(), ...cpu.raw.keys()].filter((k) => k.includes(":"))));
  }
  console.log("per task, µs of CPU / of waiting for a core (all processes of a role)");
  for (const kind of ["raw", "ours"] as const) {
    const cells = roles.filter((r) => cpu[kind].has(r)).map((role) => {
      const { cpu: c, wait } = cpu[kind].get(role)!;
      return `${role} ${(c / tasks / 1000).toFixed(0)}/${(wait / tasks / 1000).toFixed(0)}`;
    });
    console.log(`  ${kind.padEnd(5)} ${cells.join(THREADS ? "\n        " : ", ")}`);
  }
}

// --stats: the server's own time per command (µs per call), from INFO.
async function commandStats(url: string): Promise<void> {
  await using client = new RedisClient(url);
  const info = String(await client.send(["INFO", "commandstats"]));
  for (const line of info.split("\r\n")) {
    const m = /^cmdstat_(\w+(?:\|\w+)?):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(line);
    if (m && Number(m[2]) >= TASKS) {
      console.log(`  server: ${m[1]!.padEnd(12)} ${m[4]} µs/call, ${m[2]} calls`);
    }
  }
}

// --show: every event of a few tasks, for reading what else happens.
function show(windows: Window[], all: Event[]): void {
  for (const w of windows.filter((w) => w.kind === "ours").slice(100, 103)) {
    console.log("--");
    for (let i = lowerBound(all, w.from); i < all.length && all[i]!.at <= w.to + 0.001; i++) {
      const e = all[i]!;
      console.log(
        `${us(e.at - w.from).padStart(8)} ${e.from} ${e.what.padEnd(7)} ${e.text.slice(0, 150)}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const dir = mkdtempSync(join(tmpdir(), "redis-legs-"));
  const stops: (() => Promise<void>)[] = [];
  const roles = new Map<number, string>([[process.pid, "executor"]]);
  const files: [string, Source][] = [];
  try {
    for (const name of ["e1", "e2"]) {
      const out = join(dir, `${name}.json`);
      files.push([out, "e"]);
      const echo = await child("./_redis_legs_echo.ts", [server.url, name, out]);
      stops.push(echo.stop);
      roles.set(echo.pid, "echo");
    }
    for (const name of ["n1", "n2"]) {
      const out = join(dir, `${name}.json`);
      files.push([out, "n"]);
      const node = await child("./_redis_legs_node.ts", [server.url, "legs", POOL, out]);
      stops.push(node.stop);
      roles.set(node.pid, "node");
    }
    const executor = new RedisExecutor({ url: server.url, queue: "legs" });
    const windows: Window[] = [];
    const cpu = { raw: new Map<string, Sched>(), ours: new Map<string, Sched>() };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        let before = sample(roles, THREADS);
        await rawRound(server.url, windows);
        let after = sample(roles, THREADS);
        add(cpu.raw, before, after);
        before = after;
        await oursRound(executor, windows);
        after = sample(roles, THREADS);
        add(cpu.ours, before, after);
      }
    } finally {
      await executor.shutdown();
    }
    if (argv.includes("--stats")) await commandStats(server.url);
    await Promise.all(stops.splice(0).map((stop) => stop()));
    const all: Event[] = events.map(([at, what, text]) => ({ at, what, text, from: "x" }));
    for (const [file, from] of files) {
      const theirs = JSON.parse(readFileSync(file, "utf8")) as TraceEvent[];
      for (const [at, what, text] of theirs) all.push({ at, what, text, from });
    }
    // Where each task ran, as it said.
    for (const w of windows) {
      if (w.ranAt !== undefined) all.push({ at: w.ranAt, what: "child", text: "", from: "n" });
    }
    all.sort((a, b) => a.at - b.at);
    console.log(
      `${runtime} ${
        runtime === "deno" ? Deno.version.deno : process.versions[runtime]
      }, ${POOL} pool nodes, ${ROUNDS} rounds of ${TASKS} (raw and ours alternating)`,
    );
    report(windows, all);
    schedReport(cpu, ROUNDS * (TASKS + WARM));
    if (argv.includes("--show")) show(windows, all);
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
