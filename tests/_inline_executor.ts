// An executor that runs tasks in this thread, written the way the SPEC says
// any subclass may be: only `submit` and `shutdown`. It proves the base class
// gives such a subclass a working `map` and `await using`, and it runs the
// conformance suite without threads or processes.

import { Executor, Future, ShutdownError, type ShutdownOptions, type Task } from "../future.ts";
import { checkShutdownOptions } from "../_future/executor.ts";
import { isModuleTask } from "../_future/tasks.ts";

type Job = { future: Future<unknown>; run: () => Promise<unknown> };

/** Runs at most `maxWorkers` tasks at a time, in this thread. */
export class InlineExecutor extends Executor {
  readonly #maxWorkers: number;
  readonly #queue: Job[] = [];
  readonly #idle: (() => void)[] = [];
  #running = 0;
  #shutdown = false;

  constructor(options: { maxWorkers?: number } = {}) {
    super();
    this.#maxWorkers = options.maxWorkers ?? 1;
  }

  submit<A extends unknown[], R>(
    fn: Task<A, R>,
    ...args: A
  ): Future<Awaited<R>> {
    if (this.#shutdown) {
      throw new ShutdownError("Cannot submit task: the executor has been shut down");
    }
    const future = new Future<Awaited<R>>();
    const run = async () => {
      if (isModuleTask(fn)) {
        const module = await import(fn.module) as Record<
          string,
          (...a: A) => R
        >;
        return await module[fn.name]!(...args);
      }
      if (typeof fn !== "function") {
        throw new TypeError("Cannot submit task: not a function");
      }
      return await (fn as (...a: A) => R)(...args);
    };
    this.#queue.push({ future: future as Future<unknown>, run });
    queueMicrotask(() => this.#next());
    return future;
  }

  async shutdown(options?: ShutdownOptions): Promise<void> {
    const { wait, cancelFutures } = checkShutdownOptions(options);
    this.#shutdown = true;
    if (cancelFutures) {
      for (const job of this.#queue.splice(0)) job.future.cancel();
    }
    if (!wait) return;
    await new Promise<void>((resolve) => {
      this.#idle.push(resolve);
      this.#checkIdle();
    });
  }

  #next(): void {
    while (this.#running < this.#maxWorkers && this.#queue.length > 0) {
      const { future, run } = this.#queue.shift()!;
      if (!future.setRunningOrNotifyCancel()) continue;
      this.#running++;
      run().then(
        (value) => future.setResult(value),
        (error) => future.setException(error),
      )
        .finally(() => {
          this.#running--;
          this.#next();
        });
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
