// The contenders of each workload, behind one interface: our executors, and
// the raw baselines they are measured against.

import type { Executor } from "../future.ts";
import { RawProcessPool } from "./_raw_process_pool.ts";
import { RawThreadPool } from "./_raw_thread_pool.ts";

/** One way to run the workloads. */
export interface Contender {
  /** n calls of x + 1, submitted at once, all awaited. */
  tiny(n: number): Promise<void>;
  /** n calls of x + 1, each awaited before the next. */
  latency(n: number): Promise<void>;
  /** x + 1 over n items, in chunks of `chunk`. */
  map(n: number, chunk: number): Promise<void>;
  /** n calls of fib(30). */
  cpu(n: number, depth: number): Promise<void>;
  close(): Promise<void>;
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${expected}, got ${actual}`);
  }
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function fastFib(n: number): number {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** Wraps an executor of ours. */
export function ours(executor: Executor): Contender {
  return {
    async tiny(n) {
      const futures = [];
      for (let i = 0; i < n; i++) {
        futures.push(executor.submit((x: number) => x + 1, i));
      }
      let sum = 0;
      for (const future of futures) sum += await future.result();
      check(sum, (n * (n + 1)) / 2, "tiny");
    },
    async latency(n) {
      for (let i = 0; i < n; i++) {
        check(
          await executor.submit((x: number) => x + 1, i).result(),
          i + 1,
          "latency",
        );
      }
    },
    async map(n, chunksize) {
      let sum = 0;
      const items = Array.from({ length: n }, (_, i) => i);
      for await (
        const x of executor.map((x: number) => x + 1, items, { chunksize })
      ) sum += x;
      check(sum, (n * (n + 1)) / 2, "map");
    },
    async cpu(n, depth) {
      const futures = [];
      for (let i = 0; i < n; i++) {
        futures.push(executor.submit(function fib(n: number): number {
          return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }, depth));
      }
      for (const future of futures) {
        check(await future.result(), fastFib(depth), "cpu");
      }
    },
    close: () => executor.shutdown(),
  };
}

/** Wraps a raw pool. */
export function raw(pool: RawThreadPool | RawProcessPool): Contender {
  return {
    async tiny(n) {
      const calls = [];
      for (let i = 0; i < n; i++) calls.push(pool.call(0, i));
      let sum = 0;
      for (const value of await Promise.all(calls)) sum += value as number;
      check(sum, (n * (n + 1)) / 2, "tiny");
    },
    async latency(n) {
      for (let i = 0; i < n; i++) {
        check(await pool.call(0, i) as number, i + 1, "latency");
      }
    },
    async map(n, chunk) {
      const batches = [];
      for (let i = 0; i < n; i += chunk) {
        batches.push(
          pool.call(
            2,
            Array.from({ length: Math.min(chunk, n - i) }, (_, k) => i + k),
          ),
        );
      }
      let sum = 0;
      for (const batch of await Promise.all(batches)) {
        for (const x of batch as number[]) {
          sum += x;
        }
      }
      check(sum, (n * (n + 1)) / 2, "map");
    },
    async cpu(n, depth) {
      const values = await Promise.all(
        Array.from({ length: n }, () => pool.call(1, depth)),
      );
      for (const value of values) check(value as number, fastFib(depth), "cpu");
    },
    close: () => pool.close(),
  };
}

/** Runs fib(depth) n times on this thread: the sequential baseline of cpu. */
export function sequentialCpu(n: number, depth: number): void {
  for (let i = 0; i < n; i++) fib(depth);
}

export { RawProcessPool, RawThreadPool };
