// Stopping running work and moving buffers (issue 13), beside raw baselines
// in the same process: a runtime worker or child terminated or killed by
// hand, and a 64 MiB Float64Array posted to a worker and back by hand.
//
//   deno run -A bench/control_bench.ts [--quick] [--rounds N]
//   bun bench/control_bench.ts [same flags]
//
// Rows (medians of alternating rounds, milliseconds):
// - fresh start: a new pool's first task / a raw worker's first reply.
// - abort → settled: from controller.abort() to the future's exception /
//   from terminate() or kill() to the raw worker's exit.
// - abort → replacement serves: from the abort to the next task's result
//   (the replacement worker started and ran it) / a raw worker's fresh start.
// - 64 MiB round trip: to a thread and back, with and without transfer.
// Targets (issue 13): settled <= 5 ms after abort; replacement <= 1.2x a
// fresh worker's start; with transfer <= 1 ms each way.

import { spawn } from "node:child_process";
import process from "node:process";
import { Worker as NodeWorker } from "node:worker_threads";
import { runtime } from "../_runtime/runtime.ts";
import { transfer } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { type PoolExecutor, ThreadPoolExecutor } from "../thread.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const quick = argv.includes("--quick");
const rounds = argv.includes("--rounds")
  ? Number(argv[argv.indexOf("--rounds") + 1])
  : quick
  ? 1
  : 7;
const MIB = quick ? 1 : 64;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const now = () => performance.now();

// A raw thread, on the backend our pool uses in this runtime: it echoes,
// and never answers "hang". Transfers what it is sent back when asked.
const ECHO = `
  const reply = (m) => m && m.back ? post(m, [m.a.buffer]) : m !== "hang" && post(m);`;
interface RawThread {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  next(): Promise<unknown>;
  stop(): Promise<void>;
}
function rawThread(): RawThread {
  const waiting: ((m: unknown) => void)[] = [];
  const deliver = (m: unknown) => waiting.shift()?.(m);
  if (runtime === "deno") {
    const w = new NodeWorker(
      `const { parentPort } = require("node:worker_threads");
       const post = (m, t) => parentPort.postMessage(m, t); ${ECHO}
       parentPort.onmessage = (e) => reply(e.data); // on("message") is slow for large data`,
      { eval: true },
    );
    w.on("message", deliver);
    return {
      post: (m, t) => w.postMessage(m, t as never),
      next: () => new Promise((r) => waiting.push(r)),
      stop: () => new Promise((r) => (w.once("exit", () => r()), void w.terminate())),
    };
  }
  const source = `const post = (m, t) => self.postMessage(m, t); ${ECHO}
    self.onmessage = (e) => reply(e.data);`;
  const w = new Worker(URL.createObjectURL(new Blob([source])), { type: "module" });
  w.onmessage = (e) => deliver(e.data);
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    next: () => new Promise((r) => waiting.push(r)),
    // Bun's terminate() fires no close event: done when it returns.
    stop: () => Promise.resolve(w.terminate()),
  };
}

// A raw child of this runtime that answers each line of stdin.
function rawChild(): { ask(): Promise<void>; stop(): Promise<void> } {
  const code =
    `process.stdin.on("data", (d) => { if (String(d).trim() !== "hang") process.stdout.write("ok\\n"); });`;
  const args = runtime === "deno" ? ["eval", code] : ["-e", code];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const waiting: (() => void)[] = [];
  child.stdout!.on("data", () => waiting.shift()?.());
  return {
    ask: () => new Promise((r) => (waiting.push(r), child.stdin!.write("go\n"))),
    stop: () => new Promise((r) => (child.once("exit", () => r()), child.kill("SIGKILL"))),
  };
}

async function rawStart(kind: "threads" | "processes"): Promise<{ start: number; stop: number }> {
  const t0 = now();
  if (kind === "threads") {
    const w = rawThread();
    w.post(1);
    await w.next();
    const start = now() - t0;
    w.post("hang");
    const t1 = now();
    await w.stop();
    return { start, stop: now() - t1 };
  }
  const c = rawChild();
  await c.ask();
  const start = now() - t0;
  const t1 = now();
  await c.stop();
  return { start, stop: now() - t1 };
}

async function oursAbort(
  make: () => PoolExecutor,
): Promise<{ start: number; settled: number; replaced: number }> {
  const t0 = now();
  const executor = make();
  await executor.submit(() => 1).result();
  const start = now() - t0;
  const controller = new AbortController();
  const hang = executor.with({ signal: controller.signal }).submit(() => new Promise(() => {}));
  while (!hang.running()) await new Promise((r) => setTimeout(r, 1));
  const t1 = now();
  controller.abort();
  await hang.exception();
  const settled = now() - t1;
  await executor.submit(() => 2).result();
  const replaced = now() - t1;
  await executor.shutdown();
  return { start, settled, replaced };
}

async function roundTrip64(moved: boolean, ours: ThreadPoolExecutor, raw: RawThread) {
  const fresh = () => new Float64Array((MIB << 20) / 8).fill(1.5);
  let a = fresh();
  let t0 = now();
  const view = moved ? ours.with({ transfer: [a.buffer] }) : ours;
  const back = await view.submit(
    moved ? (x: Float64Array) => transfer(x, [x.buffer]) : (x: Float64Array) => x,
    a,
  ).result();
  const oursMs = now() - t0;
  if (back.length !== a.length && !moved) throw new Error("lost bytes");
  a = fresh();
  t0 = now();
  raw.post({ a, back: moved }, moved ? [a.buffer] : undefined);
  await raw.next();
  return { ours: oursMs, raw: now() - t0 };
}

const rows: string[][] = [];
const row = (name: string, raw: number, ours: number, target = "") =>
  rows.push([name, raw.toFixed(2), ours.toFixed(2), (ours / raw).toFixed(2), target]);

for (const kind of ["threads", "processes"] as const) {
  const make = kind === "threads"
    ? () => new ThreadPoolExecutor({ maxWorkers: 1 })
    : () => new ProcessPoolExecutor({ maxWorkers: 1 });
  const s = { rawStart: [] as number[], rawStop: [] as number[], start: [] as number[] };
  const t = { settled: [] as number[], replaced: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const r = await rawStart(kind);
    s.rawStart.push(r.start);
    s.rawStop.push(r.stop);
    const o = await oursAbort(make);
    s.start.push(o.start);
    t.settled.push(o.settled);
    t.replaced.push(o.replaced);
  }
  row(`${kind}: fresh start (first task)`, median(s.rawStart), median(s.start));
  row(`${kind}: abort -> settled`, median(s.rawStop), median(t.settled), "<= 5 ms");
  row(
    `${kind}: abort -> replacement serves (raw: fresh start)`,
    median(s.rawStart),
    median(t.replaced),
    `<= 1.2x our fresh start (${(median(t.replaced) / median(s.start)).toFixed(2)}x)`,
  );
}

{
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  await executor.submit(() => 1).result();
  const raw = rawThread();
  raw.post(1);
  await raw.next();
  for (const moved of [false, true]) {
    const o: number[] = [], r: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const m = await roundTrip64(moved, executor, raw);
      o.push(m.ours);
      r.push(m.raw);
    }
    row(
      `threads: ${MIB} MiB Float64Array there and back, ${moved ? "transfer" : "copy"}`,
      median(r),
      median(o),
      moved ? "<= 2 ms (1 ms each way)" : "",
    );
  }
  await raw.stop();
  await executor.shutdown();
}

console.log(
  `${runtime} ${
    runtime === "deno" ? Deno.version.deno : process.versions.bun
  }, ${rounds} rounds, ms (median)`,
);
const widths = [0, 1, 2, 3, 4].map((c) =>
  Math.max(...[["row", "raw", "ours", "ours/raw", "target"], ...rows].map((r) => r[c]!.length))
);
for (const r of [["row", "raw", "ours", "ours/raw", "target"], ...rows]) {
  console.log(
    r.map((cell, c) => c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))
      .join("  "),
  );
}
// Deno keeps the process alive while a stopped busy thread would spin; none here.
process.exit(0);
