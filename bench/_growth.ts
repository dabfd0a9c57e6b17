// Cost growth of wait() and asCompleted(): time per future as the number of
// futures grows from 1k to 1M, beside a raw baseline that awaits as many
// plain promises in order. Flat rows mean nothing in the path grows with the
// work (an Array.shift() drain once made asCompleted quadratic on Deno).

import { asCompleted, Future, wait } from "../future.ts";
import type { Row } from "./_report.ts";

async function time(body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}

// The baseline: n promises settled in order and awaited one by one.
async function rawAwait(n: number): Promise<void> {
  const pending = Array.from({ length: n }, () => Promise.withResolvers<number>());
  const loop = (async () => {
    for (const { promise } of pending) await promise;
  })();
  pending.forEach(({ resolve }, i) => resolve(i));
  await loop;
}

async function oursAsCompleted(n: number): Promise<void> {
  const futures = Array.from({ length: n }, () => new Future<number>());
  const loop = (async () => {
    for await (const _ of asCompleted(futures));
  })();
  futures.forEach((f, i) => f.setResult(i));
  await loop;
}

async function oursWait(n: number): Promise<void> {
  const futures = Array.from({ length: n }, () => new Future<number>());
  const waiting = wait(futures);
  futures.forEach((f, i) => f.setResult(i));
  await waiting;
}

/** The growth rows: ns per future for each size, ours against raw. */
export async function growthRows(sizes: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, run] of [["asCompleted", oursAsCompleted], ["wait", oursWait]] as const) {
    for (const n of sizes) {
      const raw = await time(() => rawAwait(n));
      const ours = await time(() => run(n));
      rows.push({
        kind: "futures",
        workload: `${name} ${n} (ns/future)`,
        raw: raw * 1e6 / n,
        ours: ours * 1e6 / n,
        better: "lower",
      });
    }
  }
  return rows;
}
