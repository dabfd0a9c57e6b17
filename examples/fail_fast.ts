// Fail fast: start several jobs, stop at the first failure, cancel the rest.
//
//   deno run -A examples/fail_fast.ts        bun examples/fail_fast.ts

import { type Executor, FIRST_EXCEPTION, wait } from "../future.ts";
import { ThreadPoolExecutor } from "../thread.ts";

/** Stands in for real work: job 3 finds bad input, the others take 50 ms. */
export function check(n: number): number {
  if (n === 3) throw new Error(`job ${n} found bad input`);
  const end = Date.now() + 50;
  while (Date.now() < end); // busy, like real CPU work
  return n;
}

/**
 * Runs `job(n, extra)` for n = 0..9 on `executor`, stops at the first
 * failure and cancels every job that has not started. Returns the failure's
 * message and how many jobs were cancelled; jobs already running finish.
 */
export async function failFast(
  executor: Executor,
  job: (n: number, extra?: string) => unknown = check,
  extra?: string,
): Promise<{ failed: string; cancelled: number }> {
  const jobs = Array.from({ length: 10 }, (_, n) => executor.submit(job, n, extra));
  const { done, notDone } = await wait(jobs, { returnWhen: FIRST_EXCEPTION });
  let cancelled = 0;
  for (const future of notDone) if (future.cancel()) cancelled++;
  let failed = "";
  for (const future of done) {
    const error = await future.exception();
    if (error) failed = (error as Error).message;
  }
  return { failed, cancelled };
}

if (import.meta.main) {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const { failed, cancelled } = await failFast(executor);
  console.log(`Stopped at the first failure ("${failed}") and cancelled ${cancelled} queued jobs`);
}
