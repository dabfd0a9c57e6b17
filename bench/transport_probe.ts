// Measures the process pool's transport against the raw pipes it is built
// on, in one run, so every figure can be read as a ratio:
//
//   deno run -A bench/transport_probe.ts [--quick] [--codec]
//   bun bench/transport_probe.ts [--quick] [--codec] [--bun-spawn]
//
// Rows (each against a child running bench/_transport_probe_child.ts):
// - stdio baseline: frames over the child's stdin/stdout with Deno.Command
//   or Bun.spawn, each runtime's fastest raw pipe (no room for console.log).
// - layer, frames: spawnChild() + FrameDecoder + openParentChannel(), bytes
//   only.
// - layer, messages: the same plus encodeMessage()/decodeMessage() on both
//   sides, with a one-task run message and a 1 MiB Float64Array.
// - Bun.spawn fds 3/4 (--bun-spawn, Bun only): the alternative spawnChild()
//   did not take, reading and writing the fds with Bun.file().
// Columns: spawn → first frame (median of 8), ping-pong round trips/s with
// one 16 B frame in flight, pipelined 16 B frames/s, 1 MiB frames echoed
// (MiB/s, both directions counted); medians of 5 rounds.
//
// Results on the project's 2-core VM (Deno 2.9.6, Bun 1.4.5), two runs each
// of the commands above, final code:
//
//                         start       ping-pong       pipelined 16 B    1 MiB echo
//   deno stdio baseline   101–110 ms  9.4–10.5 k/s    153–166 k/s       166–211 MiB/s
//   deno layer, frames    115–130 ms  17.2–22.1 k/s   192–253 k/s       250–261 MiB/s
//   deno layer, messages  112–115 ms  15.1–20.4 k/s   281–287 k/s       201–233 MiB/s
//   bun stdio baseline    46–52 ms    14.3–15.8 k/s   197–208 k/s       117–131 MiB/s
//   bun layer, frames     50–63 ms    16.3–19.1 k/s   629–997 k/s       112–146 MiB/s
//   bun layer, messages   50–65 ms    16.2–17.2 k/s   435–550 k/s       113–135 MiB/s
//
// So the layer is at or above the raw stdin/stdout pipe in every column:
// ping-pong 1.6–2.1× (Deno) and 1.1–1.2× (Bun), pipelined 1.2–1.7× and
// 3–5×, 1 MiB 1.0–1.5× and about 1.0×. Against the same raw pipes measured
// another day (ping-pong 10.9 k / 15.4 k, pipelined 240 k streams or 680 k
// batched writeSync / 1.08 M, 1 MiB 265–370 / 477 MiB/s, start 12.6 /
// 3.4 ms): round trips are faster, Deno's pipeline matches its streams
// figure, and Bun's pipeline and 1 MiB figures are lower, as is this run's
// own baseline, so that is this VM more than the layer. Start-up is 8–15×
// that day's baseline too (an empty `deno run` takes ~80 ms here).
//
// --codec adds encodeMessage()/decodeMessage() rates (ops/s, median of 5 ×
// 200 ms) for realistic messages, each as JSON (when the safety walk allows
// it) and forced through the clone format (an `undefined` appended), which
// is how the JSON fast path in _wire/codec.ts was judged.

import process from "node:process";
import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import { encodeFrame, FrameDecoder } from "../_wire/frames.ts";
import { runtime } from "../_runtime/runtime.ts";
import { spawnChild } from "../_runtime/spawn.ts";

interface Link {
  write(bytes: Uint8Array): void;
  close(): Promise<void>;
}
type Open = (onPayload: (payload: Uint8Array) => void) => Link;

interface BunApi {
  spawn(cmd: string[], options: object): {
    kill(): void;
    stdin: { write(b: Uint8Array): void; flush(): void; end(): void };
    stdout: ReadableStream<Uint8Array>;
    stdio: number[];
    exited: Promise<number>;
  };
  file(fd: number): {
    stream(): ReadableStream<Uint8Array>;
    writer(): { write(b: Uint8Array): void; flush(): void; end(): void };
  };
}

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 5;
const CHILD = new URL("./_transport_probe_child.ts", import.meta.url);
const childPath = CHILD.pathname;
const bun = (globalThis as unknown as { Bun: BunApi }).Bun;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  for await (const chunk of stream) onChunk(chunk);
}

const openLayer = (mode: string): Open => (onPayload) => {
  const decoder = new FrameDecoder();
  const { promise: exited, resolve } = Promise.withResolvers<void>();
  const child = spawnChild({ entry: CHILD, args: [mode], readable: [] }, {
    data: (chunk) => decoder.push(chunk).forEach(onPayload),
    exit: () => resolve(),
  });
  return { write: (b) => child.write(b), close: () => (child.end(), exited) };
};

const openStdio: Open = (onPayload) => {
  const decoder = new FrameDecoder();
  const onChunk = (c: Uint8Array) => decoder.push(c).forEach(onPayload);
  if (runtime === "deno") {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", childPath, "stdio"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    pump(child.stdout, onChunk);
    return {
      write: (b) => void writer.write(b),
      close: async () => (await writer.close(), void await child.status),
    };
  }
  const child = bun.spawn([process.execPath, childPath, "stdio"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  pump(child.stdout, onChunk);
  return {
    write: (b) => (child.stdin.write(b), child.stdin.flush()),
    close: async () => (child.stdin.end(), void await child.exited),
  };
};

const openBunSpawn: Open = (onPayload) => {
  const decoder = new FrameDecoder();
  const child = bun.spawn([process.execPath, childPath, "frames"], {
    stdio: ["ignore", "inherit", "inherit", "pipe", "pipe"],
  });
  const writer = bun.file(child.stdio[3]!).writer();
  pump(
    bun.file(child.stdio[4]!).stream(),
    (c) => decoder.push(c).forEach(onPayload),
  );
  return {
    write: (b) => (writer.write(b), writer.flush()),
    // Ending the Bun.file writer does not close the fd: the child would wait.
    close: async () => (child.kill(), void await child.exited),
  };
};

async function measure(
  name: string,
  open: Open,
  messages: boolean,
): Promise<void> {
  let onPayload: (payload: Uint8Array) => void = () => {};
  const starts: number[] = [];
  for (let i = 0; i < (quick ? 2 : 8); i++) {
    const t0 = performance.now();
    const { promise, resolve } = Promise.withResolvers<void>();
    const link = open(() => resolve());
    await promise;
    starts.push(performance.now() - t0);
    await link.close();
  }
  const link = open((p) => onPayload(p));
  await new Promise<void>((resolve) => (onPayload = () => resolve()));
  const small = messages
    ? encodeMessage([1, null, 1, 7, 0, 1, 42])
    : encodeFrame(new Uint8Array(16));
  const big = messages
    ? encodeMessage([2, 0, 1, 0, new Float64Array(131_072)])
    : encodeFrame(new Uint8Array(1 << 20));
  const receive = messages ? (p: Uint8Array) => void decodeMessage(p) : () => {};
  // Sends `count` frames (all at once, or each after the previous reply)
  // and returns the replies per second.
  const run = async (frame: Uint8Array, count: number, pipelined: boolean) => {
    let received = 0;
    const { promise, resolve } = Promise.withResolvers<void>();
    onPayload = (p) => {
      receive(p);
      if (++received === count) resolve();
      else if (!pipelined) link.write(frame);
    };
    const t0 = performance.now();
    if (pipelined) { for (let i = 0; i < count; i++) link.write(frame); }
    else link.write(frame);
    await promise;
    return count / ((performance.now() - t0) / 1000);
  };
  const rates = async (
    frame: Uint8Array,
    count: number,
    pipelined: boolean,
  ) => {
    const results: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      results.push(await run(frame, count, pipelined));
    }
    return median(results);
  };
  const pingPong = await rates(small, quick ? 300 : 3000, false);
  const pipelined = await rates(small, quick ? 2000 : 20_000, true);
  const mib = 2 * (await rates(big, quick ? 5 : 50, true));
  await link.close();
  console.log(
    `${runtime} ${name.padEnd(26)} start ${median(starts).toFixed(1).padStart(6)} ms` +
      ` | ping-pong ${Math.round(pingPong).toString().padStart(6)}/s` +
      ` | pipelined ${Math.round(pipelined).toString().padStart(8)}/s` +
      ` | 1 MiB echo ${Math.round(mib).toString().padStart(4)} MiB/s`,
  );
}

function opsPerSecond(fn: () => void): number {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while ((t = performance.now()) - t0 < 200) (fn(), n++);
    rates.push(n / ((t - t0) / 1000));
  }
  return median(rates);
}

function measureCodec(): void {
  const batch: unknown[] = [1, null];
  for (let i = 0; i < 1000; i++) batch.push(i, 7, 0, 1, i);
  const object1k = {
    id: 12345,
    name: "task-name-abcdef",
    args: [1, 2, 3, "four", { five: 5 }],
    kwargs: { timeout: 1000, retries: 3, tags: ["a", "b", "c"] },
    payload: "x".repeat(700),
    nested: { a: { b: { c: [true, false, null] } } },
  };
  const cases: [string, unknown[]][] = [
    ["one tiny task", [1, null, 5, 7, 0, 1, 42]],
    ["1000 tiny tasks", batch],
    ["1 KB object", [2, 0, 1, 0, object1k]],
    ["1 MiB Float64Array", [2, 0, 1, 0, new Float64Array(131_072)]],
  ];
  const format = (n: number) =>
    (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`)
      .padStart(8);
  for (const [name, message] of cases) {
    const row = [message, [...message, undefined]].map((m) => {
      const payload = encodeMessage(m).subarray(4);
      const kind = payload[0] === 1 ? "json " : "clone";
      const enc = opsPerSecond(() => encodeMessage(m));
      const dec = opsPerSecond(() => decodeMessage(payload));
      return `${kind} enc ${format(enc)} dec ${format(dec)}`;
    });
    console.log(`${runtime} codec ${name.padEnd(20)} ${row.join(" | ")}`);
  }
}

if (process.argv.includes("--codec")) measureCodec();
await measure("stdio baseline", openStdio, false);
await measure("layer, frames", openLayer("frames"), false);
await measure("layer, messages", openLayer("messages"), true);
if (runtime === "bun" && process.argv.includes("--bun-spawn")) {
  await measure("Bun.spawn fds 3/4", openBunSpawn, false);
}
