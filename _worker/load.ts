// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a worker gets a task's function: compiled from its source, or imported
// from its module.

/** A task function, as a worker calls it. */
export type Fn = (...args: unknown[]) => unknown;

/** Compiles a function from its source, once per worker and source. */
export function compile(source: string): Fn {
  let value: unknown;
  try {
    // Indirect eval: global scope, so free names resolve to globals only.
    value = (0, eval)(`(${source}\n)`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Method shorthand (`name(x) { … }`) is only valid inside an object.
    const holder = (0, eval)(`({${source}\n})`) as object;
    const key = Reflect.ownKeys(holder)[0]!;
    const descriptor = Object.getOwnPropertyDescriptor(holder, key)!;
    value = descriptor.value ?? descriptor.get;
  }
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot compile task: its source is not a function: ${source}`,
    );
  }
  return value as Fn;
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
