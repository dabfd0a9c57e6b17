// Control a running pool: stop a task by abort or time limit, move a large
// buffer both ways without a copy, and watch the pool with stats and events.
//
//   deno run -A examples/control.ts        bun examples/control.ts

import { TimeoutError, transfer } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";

/** Stops a runaway task with a time limit and a stuck one with a signal. */
export async function stopRunningWork(): Promise<string[]> {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  const lines: string[] = [];
  executor.addEventListener("workerexit", (event) => {
    lines.push(`worker exited: ${event.detail.reason}`);
  });
  // A synchronous loop that never ends: its child is killed after 100 ms.
  const runaway = executor.with({ timeLimit: 100 }).submit(() => {
    for (;;);
  });
  const error = await runaway.exception();
  lines.push(`runaway: ${error instanceof TimeoutError ? "TimeoutError" : String(error)}`);

  // A task waiting on something that never comes: stopped when we give up.
  const controller = new AbortController();
  const stuck = executor.with({ signal: controller.signal }).submit(() => new Promise(() => {}));
  while (!stuck.running()) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort(new Error("gave up"));
  lines.push(`stuck: ${(await stuck.exception() as Error).message}`);

  // The pool was not broken: a new worker takes the next task.
  lines.push(`next task: ${await executor.submit((x: number) => x * 2, 21).result()}`);
  return lines;
}

/** Sends 8 MiB of doubles to a thread and back without copying them. */
export async function moveBuffers(): Promise<string> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const samples = new Float64Array(1 << 20).fill(0.5);
  const scaled = await executor.with({ transfer: [samples.buffer] }).submit(
    (x: Float64Array) => {
      for (let i = 0; i < x.length; i++) x[i]! *= 4;
      return transfer(x, [x.buffer]); // and back, without a copy
    },
    samples,
  ).result();
  return `sent ${scaled.length} doubles; ours is now detached (${samples.length}); got ${
    scaled[0]
  } back`;
}

/** Runs a burst of tasks and reports what stats() saw. */
export async function watchStats(): Promise<string> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  executor.stats(); // from now on, tasks are timed
  const drained = new Promise((resolve) => executor.addEventListener("drain", resolve));
  for (let i = 0; i < 100; i++) executor.submit((n: number) => n * n, i);
  await drained;
  const { tasks, workers, runTime } = executor.stats();
  return `${tasks.completed} of ${tasks.submitted} tasks completed on ${workers.started} workers; ` +
    `run time p50 ${runTime!.p50.toFixed(3)} ms over ${runTime!.samples} tasks`;
}

if (import.meta.main) {
  for (const line of await stopRunningWork()) console.log(line);
  console.log(await moveBuffers());
  console.log(await watchStats());
}
