// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a worker gets a task's function: compiled from its source, or imported
// from its module.

import { markTransfer, TRANSFER } from "../_wire/transfer.ts";
import { type Fn, offerWorkerLoader } from "../_wire/worker_loader.ts";

export type { Fn } from "../_wire/worker_loader.ts";
export { isThenable } from "../_util/thenable.ts";

/**
 * Compiles a function from its source, once per worker and source. Strict,
 * as the module it was written in was (and sloppy code ran ~40 % slower on
 * Deno). When the caller knew the function's name, the name is bound to it,
 * so a function that calls itself by name works even when its source has
 * none (Bun turns a function declared in a block into `let f = function`)
 * or is an arrow held by a `const`.
 */
export function compile(source: string, name?: string): Fn {
  const value = (name && evaluate(source, name)) || evaluate(source);
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot compile task: its source is not a function: ${source}`,
    );
  }
  return value as Fn;
}

// Indirect eval: global scope, so free names resolve to globals only. The
// source starts on the first line and the sourceURL names the task, so a
// stack frame reads `at fib (inline-task/fib.js:2:9)`: the task's own line,
// not a line of this helper (Bun showed the helper's file without it).
const globalEval = eval;

// The one name an inline task sees beyond globals: `transfer`, the helper
// future.ts exports (an inline task cannot import it). It is bound around
// the source on its first line, so the task's own lines keep their numbers.
(globalThis as Record<symbol, unknown>)[TRANSFER] ??= markTransfer;
const BIND = `((transfer)=>`;
const WITH = `)(globalThis[Symbol.for("@concurrent/futures/transfer")])`;

function evaluate(source: string, name?: string): unknown {
  const url = `\n//# sourceURL=inline-task/${name ?? "anonymous"}.js`;
  try {
    return name === undefined
      ? globalEval(`"use strict";${BIND}(${source}\n)${WITH}${url}`)
      : globalEval(`"use strict";${BIND}{const ${name}=(${source}\n);return ${name}}${WITH}${url}`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    if (name !== undefined) return undefined; // try again without the name
  }
  // Method shorthand (`name(x) { … }`) is only valid inside an object.
  const holder = globalEval(`"use strict";${BIND}({${source}\n})${WITH}${url}`) as object;
  const key = Reflect.ownKeys(holder)[0]!;
  const descriptor = Object.getOwnPropertyDescriptor(holder, key)!;
  return descriptor.value ?? descriptor.get;
}

/** Imports `module` and returns its export `name`, which must be a function. */
export async function importExport(module: string, name: string): Promise<Fn> {
  const namespace = await import(module) as Record<string, unknown>;
  const fn = namespace[name];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot run task: module ${module} has no exported function named "${name}"`,
    );
  }
  return fn as Fn;
}

// Tasks that load tasks themselves (a Redis node's in-pool runner) use this
// worker's loader: see _wire/worker_loader.ts.
offerWorkerLoader({ compile, importExport });
