// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * Python's `concurrent.futures` for Deno and Bun: run functions in worker
 * threads ({@linkcode ThreadPoolExecutor}) or child processes
 * ({@linkcode ProcessPoolExecutor}) and get {@linkcode Future}s back, with
 * {@linkcode wait}, {@linkcode asCompleted} and a chunked, ordered `map`.
 *
 * Import a submodule to load less: `@concurrent/futures/future`,
 * `@concurrent/futures/thread` or `@concurrent/futures/process`.
 *
 * @example Square numbers on a thread pool
 * ```ts
 * import { ThreadPoolExecutor } from "@concurrent/futures";
 * import assert from "node:assert/strict";
 *
 * await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const squares = await Array.fromAsync(executor.map((x: number) => x * x, [1, 2, 3]));
 * assert.deepEqual(squares, [1, 4, 9]);
 * ```
 *
 * @module
 */

export * from "./future.ts";
export * from "./thread.ts";
export * from "./process.ts";
