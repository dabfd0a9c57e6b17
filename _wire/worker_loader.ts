// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a task module that runs inside a pool worker loads other tasks the way
// the worker itself does: the Redis node's in-pool runner (_redis/in_pool.ts)
// compiles inline sources and imports task modules. It borrows the worker's
// own loader through a global instead of importing a copy, so the loader's
// dynamic `import()` of a caller's module exists only in the worker code the
// package carries as text, never in a published module (where `deno publish`
// warns that it cannot analyze it).

/** A task function, as a worker calls it. */
export type Fn = (...args: unknown[]) => unknown;

/** What a pool worker's loader offers the tasks it runs. */
export interface WorkerLoader {
  /** Compiles a function from its source (see _worker/load.ts). */
  compile(source: string, name?: string): Fn;
  /** Imports `module` and returns its exported function `name`. */
  importExport(module: string, name: string): Promise<Fn>;
}

/** Where the worker code puts its loader on `globalThis`. */
export const WORKER_LOADER: unique symbol = Symbol.for("@concurrent/futures:worker-loader");

/** Offers `loader` to the tasks this worker runs; called by the worker code. */
export function offerWorkerLoader(loader: WorkerLoader): void {
  (globalThis as { [WORKER_LOADER]?: WorkerLoader })[WORKER_LOADER] = loader;
}

/**
 * The loader of the pool worker this code runs in.
 *
 * @throws {Error} Outside a pool worker.
 */
export function workerLoader(): WorkerLoader {
  const loader = (globalThis as { [WORKER_LOADER]?: WorkerLoader })[WORKER_LOADER];
  if (loader === undefined) {
    throw new Error("Cannot load a task here: this code runs only inside a pool worker");
  }
  return loader;
}
