// A Bun user's program, type-checked by .tools/check_bun_types.sh with the
// tsconfig.json `bun init` writes: no error may come from inside the package.
// The import below is replaced for each way the package is installed.
import {
  asCompleted,
  type DoneAndNotDone,
  fromModule,
  type Future,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  wait,
} from "../../mod.ts";

const tasks = fromModule<{ fib(n: number): number }>(new URL("./tasks.ts", import.meta.url));
await using threads = new ThreadPoolExecutor({ maxWorkers: 2 });
await using processes = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 10 });
const count: Future<number> = threads.submit((s: string) => s.length, "abc");
const name: Future<string> = processes.submit((s: string) => s.toUpperCase(), "abc");
const fib: Future<number> = processes.submit(tasks.fib, 20);
const split: DoneAndNotDone<number> = await wait([count, fib]);
const { done } = await wait([count, name]);
for await (const future of asCompleted(done)) console.log(await future.result());
for await (const square of threads.map((x: number) => x * x, [1, 2, 3], { chunksize: 2 })) {
  console.log(square, split.done.size);
}
console.log(count);
