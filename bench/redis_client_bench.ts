// Measures RedisClient against a raw node:net socket speaking hand-written
// RESP to the same redis-server, in one run, so each figure reads as a ratio:
//
//   deno run -A bench/redis_client_bench.ts [--quick] [--url redis://host:port]
//   bun bench/redis_client_bench.ts [--quick] [--url redis://host:port]
//
// Without --url it starts its own redis-server (tests/_redis_server.ts) on
// loopback. Rows:
// - raw socket: `*1\r\n$4\r\nPING\r\n` written by hand, replies counted by
//   their LF bytes; no parsing, no promises. The floor for this runtime.
// - RedisClient: `await client.send(["PING"])`, replies parsed and matched.
// Columns (medians of 5 rounds): ping-pong round trips/s with one command in
// flight; 10,000 PINGs sent in one tick (the client pipelines them into one
// write) as PINGs/s, and the time for the whole batch.
//
// Results on the project's 2-core VM (Deno 2.9.6, Bun 1.4.5, redis-server
// 7.0.15 from Debian), two runs of each command above, ranges of the medians:
//
//                      ping-pong        pipelined 10k PINGs
//   deno raw socket    17.6–18.7 k/s    1.76 M/s (5.7 ms per batch)
//   deno RedisClient   14.8–18.0 k/s    0.78–0.97 M/s (10.3–12.8 ms)
//   bun raw socket     22.2–24.4 k/s    2.0–3.1 M/s (3.2–5.0 ms)
//   bun RedisClient    19.7–23.9 k/s    0.68–0.71 M/s (14.2–14.8 ms)
//
// Ping-pong is the loopback round trip for both (0.8–1.1× of raw; C's
// `redis-benchmark -t ping_mbulk -c 1` gets 24 k/s on the same VM). Pipelined,
// the client is 0.44–0.55× of raw on Deno and 0.22–0.35× on Bun, where raw
// counts LF bytes and makes no promise (`redis-benchmark -P 10000`: 2.9 M/s).
// Profiles put the rest in one Promise per command (Bun's largest item), the
// reply parser and encoding; no copying shows up.

import * as net from "node:net";
import process from "node:process";
import { RedisClient } from "../_redis/client.ts";
import { runtime } from "../_runtime/runtime.ts";
import { RedisServer } from "../tests/_redis_server.ts";

const quick = process.argv.includes("--quick");
const urlFlag = process.argv.indexOf("--url");
const ROUNDS = quick ? 2 : 5;
const PING_PONGS = quick ? 2_000 : 20_000;
const BATCH = 10_000;
const BATCHES = quick ? 2 : 10;
const PING = new TextEncoder().encode("*1\r\n$4\r\nPING\r\n");

interface Subject {
  pingPong(count: number): Promise<void>;
  pipelined(count: number): Promise<void>;
  close(): Promise<void>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function rawSocket(host: string, port: number): Promise<Subject> {
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  // Each +PONG reply ends in one LF; resolve once `expected` have arrived.
  let expected = 0;
  let seen = 0;
  let done: () => void = () => {};
  socket.on("data", (chunk: Uint8Array) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) seen++;
    if (seen >= expected) done();
  });
  const await_ = (count: number, write: () => void) =>
    new Promise<void>((resolve) => {
      expected = count;
      seen = 0;
      done = resolve;
      write();
    });
  const batch = new Uint8Array(PING.length * BATCH);
  for (let i = 0; i < BATCH; i++) batch.set(PING, i * PING.length);
  return {
    async pingPong(count) {
      for (let i = 0; i < count; i++) await await_(1, () => socket.write(PING));
    },
    pipelined: (count) => await_(count, () => socket.write(batch.subarray(0, count * PING.length))),
    close: () => new Promise((resolve) => socket.end(resolve)),
  };
}

async function client(url: string): Promise<Subject> {
  const redis = new RedisClient(url);
  await redis.connect();
  return {
    async pingPong(count) {
      for (let i = 0; i < count; i++) await redis.send(["PING"]);
    },
    async pipelined(count) {
      const replies: Promise<unknown>[] = new Array(count);
      for (let i = 0; i < count; i++) replies[i] = redis.send(["PING"]);
      await Promise.all(replies);
    },
    close: () => redis.close(),
  };
}

interface Figures {
  pingPong: number[];
  pipelined: number[];
}

async function round(subject: Subject, figures: Figures): Promise<void> {
  let start = performance.now();
  await subject.pingPong(PING_PONGS);
  figures.pingPong.push(PING_PONGS / ((performance.now() - start) / 1000));
  start = performance.now();
  for (let i = 0; i < BATCHES; i++) await subject.pipelined(BATCH);
  figures.pipelined.push((BATCH * BATCHES) / ((performance.now() - start) / 1000));
}

async function main(): Promise<void> {
  const server = urlFlag < 0 ? await RedisServer.start() : undefined;
  const url = server?.url ?? process.argv[urlFlag + 1]!;
  const { hostname, port } = new URL(url);
  try {
    console.log(`${runtime}, ${url}, medians of ${ROUNDS} rounds`);
    console.log("                ping-pong         pipelined 10k PINGs");
    const names = ["raw socket", "RedisClient"];
    const subjects = [await rawSocket(hostname, Number(port || 6379)), await client(url)];
    const figures: Figures[] = subjects.map(() => ({ pingPong: [], pipelined: [] }));
    try {
      for (const subject of subjects) {
        await subject.pingPong(500); // warm up
        await subject.pipelined(BATCH);
      }
      // Rounds alternate between the two, so drift on the machine hits both.
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, subject] of subjects.entries()) await round(subject, figures[i]!);
      }
    } finally {
      for (const subject of subjects) await subject.close();
    }
    const medians = figures.map((f) => [median(f.pingPong), median(f.pipelined)] as const);
    for (const [i, [pingPong, pipelined]] of medians.entries()) {
      console.log(
        `${names[i]!.padEnd(14)}  ${(pingPong / 1000).toFixed(1).padStart(6)} k rt/s   ` +
          `${(pipelined / 1000).toFixed(0).padStart(6)} k PINGs/s ` +
          `(${(BATCH / pipelined * 1000).toFixed(1)} ms per batch)`,
      );
    }
    const [raw, ours] = [medians[0]!, medians[1]!];
    console.log(
      `client / raw:   ${(ours[0]! / raw[0]!).toFixed(2)}×            ${
        (ours[1]! / raw[1]!).toFixed(2)
      }×`,
    );
  } finally {
    await server?.stop();
  }
}

await main();
