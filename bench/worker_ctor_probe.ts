// How long constructing one worker blocks the calling thread (the "caller
// lag" of a growing thread pool), by backend; median of 7 constructions each.
// In Deno, every node:worker_threads variant costs 43–63 ms and a CPU profile
// shows the caller idle meanwhile: the wait is inside the runtime.
//
//   deno run -A bench/worker_ctor_probe.ts
//   bun bench/worker_ctor_probe.ts

import { SHARE_ENV, Worker as NodeWorker } from "node:worker_threads";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const NODE_MODULE = `import { parentPort } from "node:worker_threads"; parentPort.postMessage(1);`;
const webUrl = URL.createObjectURL(
  new Blob(["self.postMessage(1)"], { type: "application/javascript" }),
);
const cases: [string, () => { terminate(): unknown }, (w: never) => Promise<unknown>][] = [
  [
    "node:worker_threads",
    () =>
      new NodeWorker(`require("node:worker_threads").parentPort.postMessage(1)`, { eval: true }),
    (w: NodeWorker) => new Promise((resolve) => w.once("message", resolve)),
  ],
  [
    "node:worker_threads, data: URL",
    () => new NodeWorker(new URL(`data:text/javascript,${encodeURIComponent(NODE_MODULE)}`)),
    (w: NodeWorker) => new Promise((resolve) => w.once("message", resolve)),
  ],
  [
    "node:worker_threads, SHARE_ENV",
    () =>
      new NodeWorker(new URL(`data:text/javascript,${encodeURIComponent(NODE_MODULE)}`), {
        env: SHARE_ENV,
      }),
    (w: NodeWorker) => new Promise((resolve) => w.once("message", resolve)),
  ],
  [
    "web Worker (blob:)",
    () => new Worker(webUrl, { type: "module" }),
    (w: Worker) => new Promise((resolve) => (w.onmessage = resolve)),
  ],
] as never;
for (const [name, make, ready] of cases) {
  const ctor: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const worker = make();
    ctor.push(performance.now() - start);
    await ready(worker as never);
    worker.terminate();
  }
  console.log(
    `${runtime} ${name.padEnd(32)} constructor blocks the caller: median ${
      median(ctor).toFixed(1)
    } ms (min ${Math.min(...ctor).toFixed(1)}, max ${Math.max(...ctor).toFixed(1)})`,
  );
}
process.exit(0);
