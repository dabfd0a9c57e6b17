// What a process pool's `map` must spend per item in the main thread, beside
// what the raw baseline spends on everything, in one process, alternating
// rounds: bench/run.ts's map row (200,000 items of x + 1, chunks of 1000).
//
//   raw        the raw process pool (bench/_raw_process_pool.ts): the child
//              echoes JSON batches, the parent sums whole arrays
//   ours       ProcessPoolExecutor.map with chunksize, in a `for await` loop
//   for await  a bare async iterator (Promise.resolve per item, nothing else)
//              over arrays already in memory: the step the API asks of every
//              item, which raw does not take
//   decode     JSON.parse of the results' text as a child sends it
//   encode     the chunks' arguments packed and encoded as the pool sends them
//
// The three last are the floor of ours in this thread: ours cannot reach
// half of raw unless raw takes at least half of that floor.
//
//   deno run -A bench/map_floor_probe.ts [--rounds N]
//   bun bench/map_floor_probe.ts [--rounds N]

import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { packChunkNumbers } from "../_runtime/chunk_numbers.ts";
import { encodeMessage } from "../_wire/codec.ts";
import { poolArray } from "../_wire/pool_arrays.ts";
import { appendTask, Msg, type RunMessage, TaskKind } from "../_wire/protocol.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ours, raw, RawProcessPool } from "./_contenders.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const ITEMS = 200_000, CHUNK = 1000, PER_MESSAGE = 8;

const chunks: number[][] = [];
for (let at = 0; at < ITEMS; at += CHUNK) {
  chunks.push(Array.from({ length: CHUNK }, (_, i) => at + i));
}
// The arguments as map builds them (packing leaves these arrays as they are).
const flats = chunks.map((chunk) => poolArray([...chunk]));
const resultTexts = chunks.map((chunk) => new TextEncoder().encode(JSON.stringify(chunk)));

function forAwait(): AsyncIterableIterator<number> {
  let chunk = 0, at = 0;
  const iterator: AsyncIterableIterator<number> = {
    next() {
      if (at === CHUNK) [chunk, at] = [chunk + 1, 0];
      if (chunk === chunks.length) return Promise.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: chunks[chunk]![at++]!, done: false });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const decoder = new TextDecoder();
const steps = {
  async forAwait() {
    let sum = 0;
    for await (const x of forAwait()) sum += x;
    return sum;
  },
  decode() {
    let sum = 0;
    for (const text of resultTexts) sum += JSON.parse(decoder.decode(text)).length;
    return sum;
  },
  encode() {
    let bytes = 0;
    for (let c = 0; c < chunks.length; c += PER_MESSAGE) {
      const message: RunMessage = [Msg.Run, null];
      for (let k = c; k < c + PER_MESSAGE; k++) {
        appendTask(message, k, 0, TaskKind.Chunk, [1, flats[k]!]);
      }
      packChunkNumbers(message, true);
      bytes += encodeMessage(message).length;
    }
    return bytes;
  },
};

const pools = {
  raw: raw(new RawProcessPool(2)),
  ours: ours(new ProcessPoolExecutor({ maxWorkers: 2, maxQueue: Infinity })),
};
for (const pool of Object.values(pools)) await pool.map(ITEMS, CHUNK);
const samples: Record<string, number[]> = {};
const time = async (name: string, run: () => unknown) => {
  const start = performance.now();
  await run();
  (samples[name] ??= []).push((performance.now() - start) * 1e6 / ITEMS);
};
for (let round = 0; round < rounds; round++) {
  await time("raw", () => pools.raw.map(ITEMS, CHUNK));
  await time("ours", () => pools.ours.map(ITEMS, CHUNK));
  for (const [name, step] of Object.entries(steps)) await time(name, step);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ns = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
const floor = ns.forAwait! + ns.decode! + ns.encode!;
console.log(
  `${runtime}, ${rounds} rounds, ns per item: raw ${ns.raw!.toFixed(0)}, ours ${
    ns.ours!.toFixed(0)
  } (${(ns.raw! / ns.ours!).toFixed(2)} of raw); floor of ours ${floor.toFixed(0)} = for await ${
    ns.forAwait!.toFixed(0)
  } + decode ${ns.decode!.toFixed(0)} + encode ${
    ns.encode!.toFixed(0)
  }: ours at the floor would be ${(ns.raw! / floor).toFixed(2)} of raw`,
);
for (const pool of Object.values(pools)) await pool.close();
