// How a thread's results can reach the main thread, each result leaving the
// worker as soon as it is made (results never held), measured on their own,
// in one process, modes alternating round by round:
//
//   deno run -A bench/result_channel_probe.ts [--rounds N] [--tasks N]
//   bun bench/result_channel_probe.ts [same flags]
//
// Two workers (a node:worker_threads worker in Deno, a web Worker in Bun, as
// the pool uses) get x + 1 tasks in batches of 1000, refilled at half, as
// the pool's send-ahead window does; every result settles a promise. Modes:
// - raw: one task per message each way, round-robin (bench/_raw_thread_pool.ts).
// - event: a postMessage per result, one message event per result (before).
// - batched: one postMessage per batch (results held: what issue 12 forbids;
//   the ceiling).
// - port-msg: each result posted on a MessagePort the main thread does not
//   listen to; the worker rings a doorbell (a message on the worker's own
//   channel) only when a shared flag was clear; the main thread clears it and
//   drains the port with receiveMessageOnPort.
// - port-wait: the same, but the doorbell is Atomics.notify and the main
//   thread waits with Atomics.waitAsync.
// - ring: as port-msg, but each result (a number) is written to a ring in
//   shared memory instead of posted on the port.
// Last, on one thread: 2000 messages posted on a port and taken back with
// receiveMessageOnPort, bare and wrapped in a Map (which Deno's walk for
// ports to patch does not enter), for a map() chunk of 1000 numbers and a
// one-object result.

import { receiveMessageOnPort, Worker as NodeWorker } from "node:worker_threads";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const flagOf = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const ROUNDS = flagOf("--rounds", 7);
const TASKS = flagOf("--tasks", 20_000);
const WINDOW = flagOf("--window", 1000);
const MODES = ["raw", "event", "batched", "port-msg", "port-wait", "ring"] as const;
type Mode = (typeof MODES)[number];

interface Probe {
  post(message: unknown): void;
  onmessage: (message: unknown) => void;
  results: MessagePort;
  flag: Int32Array;
  ring: Float64Array;
  read: number;
  terminate(): void;
}

function start(): Probe {
  const url = new URL("./_result_channel_probe_worker.ts", import.meta.url);
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(12));
  const ring = new Float64Array(new SharedArrayBuffer(1024 * 3 * 8));
  const probe = { results: port1, flag, ring, read: 0, onmessage: (_: unknown) => {} } as Probe;
  if (runtime === "deno") {
    const worker = new NodeWorker(url);
    worker.on("message", (m) => probe.onmessage(m));
    probe.post = (m) => worker.postMessage(m);
    probe.terminate = () => void worker.terminate();
    worker.postMessage(["init", port2, flag, ring], [port2 as never]);
  } else {
    const worker = new Worker(url, { type: "module" });
    worker.onmessage = (e) => probe.onmessage(e.data);
    probe.post = (m) => worker.postMessage(m);
    probe.terminate = () => worker.terminate();
    worker.postMessage(["init", port2, flag, ring], [port2]);
  }
  return probe;
}

const probes = [start(), start()];

// Runs `n` tasks with one mode; resolves when every promise has settled.
async function run(mode: Mode, n: number): Promise<void> {
  const resolvers: ((v: number) => void)[] = [];
  const promises: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    promises.push(new Promise<number>((resolve) => resolvers.push(resolve)));
  }
  if (mode === "raw") {
    for (const p of probes) {
      p.onmessage = (m) => {
        const [id, value] = m as [number, number];
        resolvers[id]!(value);
      };
    }
    for (let i = 0; i < n; i++) probes[i % probes.length]!.post(["raw", i, i]);
  } else {
    let next = 0;
    const inflight = probes.map(() => 0);
    const send = (w: number) => {
      const batch: unknown[] = [mode];
      while (next < n && inflight[w]! + (batch.length - 1) / 2 < WINDOW) {
        batch.push(next, next++);
      }
      inflight[w]! += (batch.length - 1) / 2;
      if (batch.length > 1) probes[w]!.post(batch);
    };
    const settle = (w: number, done: unknown[]) => {
      for (let at = 3; at < done.length; at += 3) {
        resolvers[done[at] as number]!(done[at + 2] as number);
        inflight[w]!--;
      }
      if (inflight[w]! <= WINDOW / 2) send(w);
    };
    const drain = (w: number) => {
      const p = probes[w]!;
      Atomics.store(p.flag, 0, 0);
      for (let got; (got = receiveMessageOnPort(p.results as never));) {
        settle(w, (got as { message: unknown[] }).message);
      }
    };
    const drainRing = (w: number) => {
      const p = probes[w]!;
      Atomics.store(p.flag, 0, 0);
      const end = Atomics.load(p.flag, 1);
      const done: unknown[] = [1234, 2, 0];
      for (; p.read < end; p.read++) {
        const at = (p.read & 1023) * 3;
        done.push(p.ring[at], p.ring[at + 1], p.ring[at + 2]);
      }
      Atomics.store(p.flag, 2, p.read);
      settle(w, done);
    };
    let finished = false;
    probes.forEach((p, w) => {
      p.onmessage = mode === "port-msg"
        ? () => drain(w)
        : mode === "ring"
        ? () => drainRing(w)
        : (m) => settle(w, m as unknown[]);
      if (mode === "port-wait") {
        const wait = () => {
          if (finished) return;
          const r = Atomics.waitAsync(p.flag, 0, 0);
          if (r.async) {
            r.value.then(() => {
              drain(w);
              wait();
            });
          } else {
            drain(w);
            queueMicrotask(wait);
          }
        };
        wait();
      }
    });
    probes.forEach((_, w) => send(w));
    await Promise.all(promises);
    finished = true;
    // Wake the waiters so none outlives its round.
    for (const p of probes) {
      Atomics.store(p.flag, 0, 1);
      Atomics.notify(p.flag, 0);
    }
    await new Promise((r) => setTimeout(r, 5));
    for (const p of probes) Atomics.store(p.flag, 0, 0);
    return;
  }
  await Promise.all(promises);
}

for (const mode of MODES) await run(mode, 2000); // warm up
const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    const t = performance.now();
    await run(mode, TASKS);
    samples.get(mode)!.push(TASKS / ((performance.now() - t) / 1000));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const raw = median(samples.get("raw")!);
console.log(`${runtime}, ${ROUNDS} rounds of ${TASKS} tasks, medians`);
for (const mode of MODES) {
  const rate = median(samples.get(mode)!);
  console.log(
    `${mode.padEnd(10)} ${(rate / 1000).toFixed(0).padStart(6)}k tasks/s  ${
      (rate / raw).toFixed(2)
    }× raw`,
  );
}
for (const p of probes) p.terminate();

const { port1, port2 } = new MessageChannel();
const payloads = {
  "chunk of 1000": [1, 2, 0.5, 7, 0, Array.from({ length: 1000 }, (_, i) => i + 1)],
  "one object": [1, 2, 0.5, 7, 0, { i: 1 }],
};
for (const [name, payload] of Object.entries(payloads)) {
  const cost = { bare: [] as number[], map: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const how of ["bare", "map"] as const) {
      const start = performance.now();
      for (let i = 0; i < 2000; i++) {
        port2.postMessage(how === "map" ? new Map([[i, payload]]) : payload);
      }
      while (receiveMessageOnPort(port1 as never));
      cost[how].push((performance.now() - start) / 2);
    }
  }
  console.log(
    `port round, ${name}: bare ${median(cost.bare).toFixed(1)} µs, in a Map ${
      median(cost.map).toFixed(1)
    } µs`,
  );
}
port1.close();
