// Node's worker and child variants, measured the way worker_ctor_probe.ts and
// transport_probe.ts measure Deno's and Bun's; medians of 9 starts each,
// the variants interleaved round by round (this machine's load moves).
// The facts are in ARCHITECTURE.md's runtime table (Node column).
//
//   node bench/node_runtime_probe.ts          (Node >= 22.18 strips the types)

import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import process from "node:process";
import { Worker } from "node:worker_threads";

const ROUNDS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
// A body the size of the real worker code, so parsing costs what it costs.
const PADDING = `/*${"x".repeat(60_000)}*/`;
const BODY =
  `${PADDING}\nconst { parentPort } = process.getBuiltinModule("node:worker_threads");\n` +
  "parentPort.postMessage(1);\n";
const toData = (code: string) =>
  new URL(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

type Make = () => Worker;
const threads: [string, Make][] = [
  [
    "eval, code as workerData run as a function (ours)",
    () =>
      new Worker(
        'const { workerData } = process.getBuiltinModule("node:worker_threads");\n' +
          "(async () => {}).constructor(workerData)();",
        { eval: true, workerData: BODY },
      ),
  ],
  ["eval, the code itself", () => new Worker(BODY, { eval: true })],
  ["data: URL module", () => new Worker(toData(BODY))],
];

async function probeThreads(): Promise<void> {
  const ctor = threads.map((): number[] => []);
  const first = threads.map((): number[] => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [at, [, make]] of threads.entries()) {
      const start = performance.now();
      const worker = make();
      ctor[at]!.push(performance.now() - start);
      await new Promise((resolve) => worker.once("message", resolve));
      first[at]!.push(performance.now() - start);
      await worker.terminate();
    }
  }
  for (const [at, [name]] of threads.entries()) {
    console.log(
      `thread ${name.padEnd(52)} constructor blocks ${ms(median(ctor[at]!))}, first message ${
        ms(median(first[at]!))
      }`,
    );
  }
}

// A thread spinning in a synchronous loop: does terminate() stop it?
async function probeTerminate(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const worker = new Worker(
      'process.getBuiltinModule("node:worker_threads").parentPort.postMessage(1); for (;;);',
      { eval: true },
    );
    await new Promise((resolve) => worker.once("message", resolve));
    const start = performance.now();
    await new Promise((resolve) => {
      worker.once("exit", resolve);
      void worker.terminate();
    });
    times.push(performance.now() - start);
  }
  console.log(`thread busy in a sync loop: terminate() → exit event ${ms(median(times))}`);
}

// Start → first byte on fd 4, as a pool child sends its first frame.
const CHILD_BODY = `${PADDING}\nprocess.getBuiltinModule("node:fs").writeSync(4, "x");\n`;
const children: [string, string[]][] = [
  ["--input-type=module -e <code> (ours)", ["--input-type=module", "-e", CHILD_BODY]],
  ["-e <code> (CommonJS)", ["-e", CHILD_BODY]],
  [
    "-e <runner> <code> as a function",
    ["-e", "(async () => {}).constructor(process.argv[1])()", CHILD_BODY],
  ],
];

async function probeChildren(): Promise<void> {
  const first = children.map((): number[] => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [at, [, args]] of children.entries()) {
      const start = performance.now();
      const child = spawn(process.execPath, args, {
        stdio: ["ignore", "inherit", "inherit", "pipe", "pipe", "pipe"],
      });
      const output = child.stdio[4]!;
      await new Promise((resolve) => output.once("data", resolve));
      first[at]!.push(performance.now() - start);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
  for (const [at, [name]] of children.entries()) {
    console.log(`child  ${name.padEnd(52)} start → first byte on fd 4 ${ms(median(first[at]!))}`);
  }
}

console.log(`Node ${process.version}`);
await probeThreads();
await probeTerminate();
await probeChildren();
