// Copyright 2026 the @concurrent/futures authors. MIT license.
// The contract between `map` and an executor that sends several calls as one
// message: the executor runs a chunk as one task, and `map` hands its values
// out one by one.

import type { Future } from "./future.ts";

/**
 * Runs a chunk of calls as one task. The calls' arguments lie flat, `argc`
 * per call: one array per chunk rather than one per call is what lets a
 * chunk of tiny calls cross as fast as raw data. The future's value is the
 * list of results; when a call throws, it fails with a {@linkcode ChunkFailure}.
 */
export type ChunkSubmitter = (
  fn: unknown,
  argc: number,
  flatArgs: unknown[],
) => Future<unknown[]>;

/**
 * How a chunk fails when one of its calls throws: the results of the calls
 * before it, which `map` still yields, then the error.
 */
export class ChunkFailure {
  /** The results of the calls before the one that threw. */
  readonly values: unknown[];
  /** What that call threw. */
  readonly error: unknown;

  /** Makes the record. */
  constructor(values: unknown[], error: unknown) {
    this.values = values;
    this.error = error;
  }
}
