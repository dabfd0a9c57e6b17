// Fail fast: start several jobs, stop at the first failure, cancel the rest.
//
//   deno run -A examples/fail_fast.ts        bun examples/fail_fast.ts

import { FIRST_EXCEPTION, wait } from "../future.ts";
import { ThreadPoolExecutor } from "../thread.ts";

/** Runs the jobs; returns what finished, what failed and what was cancelled. */
export async function failFast(): Promise<{ failed: string; cancelled: number; finished: number }> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  // Job 3 fails at once; the others are slow enough to still be queued.
  const jobs = Array.from({ length: 10 }, (_, i) =>
    executor.submit((n: number) => {
      if (n === 3) throw new Error(`job ${n} found bad input`);
      const end = Date.now() + 50;
      while (Date.now() < end); // stands in for real work
      return n;
    }, i));
  const { done, notDone } = await wait(jobs, { returnWhen: FIRST_EXCEPTION });
  let cancelled = 0;
  for (const job of notDone) if (job.cancel()) cancelled++;
  let failed = "";
  for (const job of done) {
    const error = await job.exception();
    if (error) failed = (error as Error).message;
  }
  const finished = jobs.filter((job) => job.done() && !job.cancelled()).length;
  return { failed, cancelled, finished };
}

if (import.meta.main) {
  const { failed, cancelled } = await failFast();
  console.log(`Stopped at the first failure ("${failed}") and cancelled ${cancelled} queued jobs`);
}
