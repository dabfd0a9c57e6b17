// BullMQ on the same redis-server, as a peer row of bench/redis_bench.ts:
// two worker processes and a producer, under Node (BullMQ's home runtime).
// BullMQ is imported from a scratch directory given on the command line
// (`npm install bullmq` there); it is never a dependency of this package.
//
//   node bench/_bullmq_peer.mjs <dir> <url> <tiny> <latency>   → one JSON line
//   node bench/_bullmq_peer.mjs <dir> <url> --worker

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

const [dir, url, third, fourth] = process.argv.slice(2);
// Resolved from the scratch directory, as a script there would.
const { Queue, QueueEvents, Worker } = createRequire(join(dir, "package.json"))(
  "bullmq",
);
const { hostname: host, port } = new URL(url);
const connection = { host, port: Number(port) };
const NAME = "bullmq-bench";

if (third === "--worker") {
  // Concurrency 100: BullMQ's knob for many small jobs per process.
  const worker = new Worker(NAME, (job) => Promise.resolve(job.data.x + 1), {
    connection,
    concurrency: 100,
  });
  await worker.waitUntilReady();
  console.log("ready");
  process.on("SIGTERM", () => process.exit(0));
} else {
  const tiny = Number(third), latencyRuns = Number(fourth);
  const workers = [0, 1].map(() => {
    const child = spawn(
      process.execPath,
      [new URL(import.meta.url).pathname, dir, url, "--worker"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    return new Promise((resolve) => child.stdout.on("data", () => resolve(child)));
  });
  const children = await Promise.all(workers);
  const queue = new Queue(NAME, { connection });
  const events = new QueueEvents(NAME, { connection });
  await events.waitUntilReady();
  const opts = { removeOnComplete: true, removeOnFail: true };
  // Completions by job id, listened to before the job is added (a removed
  // job cannot be waited for afterwards).
  const waiting = new Map();
  let done = 0;
  let finished = () => {};
  events.on("completed", ({ jobId }) => {
    done++;
    waiting.get(jobId)?.();
    waiting.delete(jobId);
    if (done === tiny) finished();
  });
  const latencies = [];
  for (let i = 0; i < latencyRuns + 50; i++) {
    const start = performance.now();
    const jobId = `latency-${i}`;
    const completed = new Promise((resolve) => waiting.set(jobId, resolve));
    await queue.add("t", { x: i }, { ...opts, jobId });
    await completed;
    if (i >= 50) latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  const start = performance.now();
  done = 0;
  const all = new Promise((resolve) => (finished = resolve));
  await queue.addBulk(
    Array.from(
      { length: tiny },
      (_, i) => ({ name: "t", data: { x: i }, opts }),
    ),
  );
  await all;
  const tinyPerSec = tiny / ((performance.now() - start) / 1000);
  console.log(JSON.stringify({
    p50: latencies[latencies.length >> 1],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    tinyPerSec,
  }));
  for (const child of children) child.kill("SIGTERM");
  await queue.obliterate({ force: true });
  await Promise.all([queue.close(), events.close()]);
  process.exit(0);
}
