// Copyright 2026 the @concurrent/futures authors. MIT license.
// Runs inside a worker node's local pool (a thread or a child process), not
// in the node itself: the node submits these two exports with the task's
// spec, so an inline task's source is compiled, and a module imported, only
// where the task runs. The node's own process never evaluates code from the
// queue. (The node has already checked the spec against its allow list.)

import { compile, type Fn, importExport, isThenable } from "../_worker/load.ts";
import type { TaskSpec } from "../_wire/protocol.ts";
import { type Thrown, toThrown } from "../_wire/thrown.ts";

// The same hint the pools add for an inline task that used a free variable.
const CLOSURE_HINT =
  " (an inline task runs in another thread or process and sees only its arguments and globals: pass the value as an argument, or export the function from a module and submit it with fromModule())";

const compiled = new Map<string, Fn>();
const imported = new Map<string, Promise<Fn>>();

function functionOf(spec: TaskSpec): Fn | Promise<Fn> {
  if (spec.kind === "source") {
    const key = `${spec.name ?? ""}\u0000${spec.source}`;
    let fn = compiled.get(key);
    if (fn === undefined) {
      fn = compile(spec.source, spec.name);
      compiled.set(key, fn);
    }
    return fn;
  }
  const key = `${spec.module}#${spec.name}`;
  let fn = imported.get(key);
  if (fn === undefined) {
    fn = importExport(spec.module, spec.name);
    // A failed import is tried again by the next task, as the pools do.
    fn.catch(() => imported.delete(key));
    imported.set(key, fn);
  }
  return fn;
}

function withHint(spec: TaskSpec, error: unknown): unknown {
  if (
    spec.kind === "source" && error instanceof ReferenceError &&
    /is not defined|Can't find variable/.test(error.message)
  ) {
    const message = error.message;
    error.message += CLOSURE_HINT;
    if (error.stack) error.stack = error.stack.replace(message, error.message);
  }
  return error;
}

/**
 * Calls the task once.
 *
 * @param spec The task's function.
 * @param args Its arguments.
 * @returns What the function returns, awaited.
 */
export async function call(spec: TaskSpec, ...args: unknown[]): Promise<unknown> {
  try {
    const fn = await functionOf(spec);
    return await fn(...args);
  } catch (error) {
    throw withHint(spec, error);
  }
}

/** What {@linkcode chunk} returns: the values, and the error that stopped it, if one did. */
export interface ChunkOutcome {
  values: unknown[];
  thrown?: Thrown;
}

/**
 * Calls the task once per call in a chunk, in order, stopping at the first
 * call that throws.
 *
 * @param spec The task's function.
 * @param argc Arguments per call.
 * @param flat The calls' arguments, laid out flat.
 * @returns The values, and what the failing call threw (as a wire record,
 * which keeps its own properties across the pool).
 */
export async function chunk(spec: TaskSpec, argc: number, flat: unknown[]): Promise<ChunkOutcome> {
  const values: unknown[] = [];
  try {
    const fn = await functionOf(spec);
    for (let at = 0; at < flat.length; at += argc) {
      const value = argc === 1 ? fn(flat[at]) : fn(...flat.slice(at, at + argc));
      values.push(isThenable(value) ? await value : value);
    }
    return { values };
  } catch (error) {
    return { values, thrown: toThrown(withHint(spec, error)) };
  }
}
