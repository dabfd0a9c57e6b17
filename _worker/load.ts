// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a worker gets a task's function: compiled from its source, or imported
// from its module.

/** A task function, as a worker calls it. */
export type Fn = (...args: unknown[]) => unknown;

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

function evaluate(source: string, name?: string): unknown {
  try {
    // new Function: global scope, so free names resolve to globals only.
    return name === undefined
      ? new Function(`"use strict"; return (${source}\n);`)()
      : new Function(`"use strict"; const ${name} = (${source}\n); return ${name};`)();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    if (name !== undefined) return undefined; // try again without the name
  }
  // Method shorthand (`name(x) { … }`) is only valid inside an object.
  const holder = new Function(`"use strict"; return ({${source}\n});`)() as object;
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

/** Tells whether `value` is a promise or promise-like. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
