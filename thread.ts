// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * ThreadPoolExecutor: runs tasks on worker threads. (Under construction: only
 * the error class is here yet.)
 *
 * @module
 */

export { BrokenThreadPool } from "./_errors.ts";
