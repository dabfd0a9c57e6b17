// The demo: count the primes below 12 million sequentially, on a thread pool
// and on a process pool, with a live progress line, then compare the times.
//
//   deno run -A demo.ts        bun demo.ts        (add --quick for a short run)

import { asCompleted, type Executor, fromModule, type Future } from "./mod.ts";
import { ProcessPoolExecutor } from "./process.ts";
import { ThreadPoolExecutor } from "./thread.ts";
import { countPrimes } from "./examples/prime_tasks.ts";

const tasks = fromModule<typeof import("./examples/prime_tasks.ts")>(
  new URL("./examples/prime_tasks.ts", import.meta.url),
);

const args = typeof Deno === "object" ? Deno.args : process.argv.slice(2);
const LIMIT = args.includes("--quick") ? 240_000 : 12_000_000;
const PIECES = 48;
const ranges = Array.from({ length: PIECES }, (_, i) => {
  const size = LIMIT / PIECES;
  return [i * size, (i + 1) * size] as const;
});
const tty = typeof Deno === "object" ? Deno.stdout.isTerminal() : Boolean(process.stdout.isTTY);

function progress(label: string, done: number, found: number): void {
  const bar = "#".repeat(Math.round((done / PIECES) * 30)).padEnd(30, ".");
  const line = `${label.padEnd(10)} [${bar}] ${done}/${PIECES} ranges, ${found} primes`;
  if (tty) process.stdout.write(`\r${line}${done === PIECES ? "\n" : ""}`);
  else if (done === PIECES || done % 12 === 0) console.log(line);
}

function sequential(): { primes: number; ms: number } {
  const start = performance.now();
  let primes = 0;
  ranges.forEach(([lo, hi], i) => {
    primes += countPrimes(lo, hi);
    progress("sequential", i + 1, primes);
  });
  return { primes, ms: performance.now() - start };
}

async function pooled(label: string, executor: Executor): Promise<{ primes: number; ms: number }> {
  await using pool = executor;
  // Start the workers first, so the timing is of the work, not of start-up.
  await pool.submit(tasks.countPrimes, 0, 10).result();
  const start = performance.now();
  const futures: Future<number>[] = ranges.map(([lo, hi]) =>
    pool.submit(tasks.countPrimes, lo, hi)
  );
  let primes = 0;
  let done = 0;
  for await (const future of asCompleted(futures)) {
    primes += await future.result();
    progress(label, ++done, primes);
  }
  return { primes, ms: performance.now() - start };
}

const runtime = typeof Deno === "object"
  ? `Deno ${Deno.version.deno}`
  : `Bun ${process.versions.bun}`;
console.log(
  `Counting the primes below ${
    LIMIT.toLocaleString("en")
  } in ${PIECES} ranges on ${runtime}, ${navigator.hardwareConcurrency} cores\n`,
);
const results = {
  sequential: sequential(),
  threads: await pooled("threads", new ThreadPoolExecutor()),
  processes: await pooled("processes", new ProcessPoolExecutor()),
};

console.log("\n              time     speedup  primes");
for (const [name, { primes, ms }] of Object.entries(results)) {
  const speedup = results.sequential.ms / ms;
  console.log(
    `${name.padEnd(12)} ${`${ms.toFixed(0)} ms`.padStart(8)}  ${
      `${speedup.toFixed(2)}×`.padStart(7)
    }  ${primes}`,
  );
}
const counts = new Set(Object.values(results).map((r) => r.primes));
if (counts.size !== 1) throw new Error("The three runs disagree");
