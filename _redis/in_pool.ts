// Copyright 2026 the @concurrent/futures authors. MIT license.
// Runs inside a worker node's local pool (a thread or a child process), not
// in the node itself. The node submits `run` with the task's spec and its
// arguments exactly as they came from Redis, and forwards the outcome
// exactly as `run` encodes it: so an inline task's source is compiled, a
// module imported, and the values decoded and encoded, only where the task
// runs. The node's own process never evaluates code from the queue, and
// spends nothing on the values (which made it, not the pool, the slowest
// stage of a chunked map). The node has already checked the spec against
// its allow list.

import { Buffer } from "node:buffer";
import { isThenable } from "../_util/thenable.ts";
import { type Fn, workerLoader } from "../_wire/worker_loader.ts";
import type { TaskSpec } from "../_wire/protocol.ts";
import { decodeValue, encodeChunkError, encodeError, encodeResult } from "./values.ts";

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
      fn = workerLoader().compile(spec.source, spec.name);
      compiled.set(key, fn);
    }
    return fn;
  }
  const key = `${spec.module}#${spec.name}`;
  let fn = imported.get(key);
  if (fn === undefined) {
    const { module } = spec;
    fn = workerLoader().importExport(module, spec.name).catch((error) => {
      throw importFailure(module, error);
    });
    // A failed import is tried again by the next task, as the pools do.
    fn.catch(() => imported.delete(key));
    imported.set(key, fn);
  }
  return fn;
}

// What a failed import tells the caller: its class, the module and the kind
// of failure, never the runtime's message, which can quote the file (Deno's
// parse error shows the first line of whatever the URL named; Bun's
// BuildMessages hold the line too). The loader's own "no exported
// function" error says only what the task named, and is kept.
function importFailure(module: string, error: unknown): Error {
  const name = asText(read(error, "name"));
  const message = asText(read(error, "message"));
  if (error instanceof TypeError && message.startsWith("Cannot run task: module ")) return error;
  const named = /^\w{1,40}$/.test(name) ? name : "Error";
  const errors = read(error, "errors");
  const parse = error instanceof SyntaxError || named === "BuildMessage" ||
    /^SyntaxError\b/.test(message) ||
    (Array.isArray(errors) && errors.some((e) => read(e, "name") === "BuildMessage"));
  const missing = named === "ResolveMessage" || /not found|cannot find|ENOENT/i.test(message);
  const kind = parse
    ? "it (or a module it imports) does not parse"
    : missing
    ? "it (or a module it imports) was not found"
    : `loading it threw ${named}`;
  const Class = parse ? SyntaxError : error instanceof TypeError || missing ? TypeError : Error;
  const failure = new Class(`Cannot import task module ${module}: ${kind}`);
  if (!parse && !missing && failure.name !== named) {
    Object.defineProperty(failure, "name", { value: named, writable: true, configurable: true });
  }
  return failure;
}

// A property of what was thrown (user code: a getter may throw).
function read(value: unknown, key: string): unknown {
  try {
    return (value as Record<string, unknown> | null | undefined)?.[key];
  } catch {
    return undefined;
  }
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : "";
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

// Outcomes leave as the text Redis will hold (UTF-8 JSON, or a tag and
// base64), so the node can pass them on unread.
function text(payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString("utf8");
}

/**
 * Runs a task from its stream entry and returns its encoded outcome. With
 * `argc` 0 it is one call whose arguments `payload` holds; else `payload`
 * holds a chunk of calls of `argc` arguments each, laid out flat, and this
 * runs piece `piece` of `pieces` of them, in order, stopping at the first
 * call that throws.
 *
 * @param spec The task's function.
 * @param argc Arguments per call for a chunk, or 0 for one call.
 * @param payload The arguments, as encoded by the executor.
 * @param piece Which part of a chunk to run.
 * @param pieces Into how many parts the chunk is cut.
 * @returns The outcome, encoded for the results stream.
 */
export async function run(
  spec: TaskSpec,
  argc: number,
  payload: string,
  piece: number,
  pieces: number,
): Promise<string> {
  let args: unknown;
  try {
    args = decodeValue(payload);
    if (!Array.isArray(args)) throw new TypeError("Cannot decode task arguments: not a list");
  } catch (error) {
    return text(encodeError(error));
  }
  if (argc === 0) {
    try {
      const fn = await functionOf(spec);
      return text(encodeResult(await fn(...args)));
    } catch (error) {
      return text(encodeError(withHint(spec, error)));
    }
  }
  const calls = Math.floor(args.length / argc);
  const from = Math.floor((calls * piece) / pieces) * argc;
  const to = Math.floor((calls * (piece + 1)) / pieces) * argc;
  const values: unknown[] = [];
  try {
    const fn = await functionOf(spec);
    for (let at = from; at < to; at += argc) {
      const value = argc === 1 ? fn(args[at]) : fn(...args.slice(at, at + argc));
      values.push(isThenable(value) ? await value : value);
    }
  } catch (error) {
    return text(encodeChunkError(values, withHint(spec, error)));
  }
  return text(encodeResult(values));
}
