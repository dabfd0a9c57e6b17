// Copyright 2026 the @concurrent/futures authors. MIT license.

/**
 * ProcessPoolExecutor: runs tasks in child processes. (Under construction:
 * only the error class is here yet.)
 *
 * @module
 */

export { BrokenProcessPool } from "./_errors.ts";
