// Copyright 2026 the @concurrent/futures authors. MIT license.
// What a worker node says on stderr about its tasks: every refused task
// (whoever set the node up needs to know its allow list turned work away;
// the caller alone would see TaskRefusedError), and with `verbose` each
// task's start and end.

import type { TaskEntry } from "./entry.ts";
import { decodeOutcome } from "./values.ts";

const DECODER = new TextDecoder();
// A value returned, as JSON (values.ts: the JSON tag, then [Outcome.Ok, …]).
const OK_JSON = "\x01[0,";

/** Logs a node's tasks; see the module comment. */
export class NodeLog {
  readonly #name: string;
  readonly #verbose: boolean;

  /** The log of node `name`; `verbose` adds each task's start and end. */
  constructor(name: string, verbose: boolean) {
    this.#name = name;
    this.#verbose = verbose;
  }

  /** A task is handed to the local pool. */
  started(entry: TaskEntry): void {
    if (this.#verbose) this.#say(`task ${taskId(entry)} ${describeFn(entry.fn)} started`);
  }

  /** A task ended with outcome `payload`, `ms` milliseconds after it started. */
  ended(entry: TaskEntry, payload: Uint8Array | string, ms: number): void {
    // A success with a value is not decoded: the common case costs a prefix test.
    if (!this.#verbose && isOk(payload)) return;
    const error = isOk(payload) ? undefined : errorOf(asText(payload));
    const fn = describeFn(entry.fn);
    if (error?.name === "TaskRefusedError") {
      this.#say(`refused task ${taskId(entry)} ${fn}: ${error.message}`);
    } else if (this.#verbose) {
      const how = error === undefined ? "ok" : `failed (${error.name}: ${error.message})`;
      this.#say(`task ${taskId(entry)} ${fn} ended ${how} in ${Math.round(ms)} ms`);
    }
  }

  #say(line: string): void {
    console.error(`concurrent-futures worker ${this.#name}: ${line}`);
  }
}

function taskId(entry: TaskEntry): string {
  return `${entry.exec}/${entry.seq}`;
}

// The entry's function as the node received it: a module export, or an
// inline function. Never its source text (long, and possibly sensitive).
function describeFn(text: string): string {
  try {
    const spec = JSON.parse(text) as { kind?: unknown; module?: unknown; name?: unknown };
    if (spec.kind === "module") return `${String(spec.module)}#${String(spec.name)}`;
    if (spec.kind === "source") return `(inline function${spec.name ? ` ${spec.name}` : ""})`;
  } catch {
    // Malformed: said as such below.
  }
  return "(malformed task)";
}

function isOk(payload: Uint8Array | string): boolean {
  if (typeof payload === "string") return payload.startsWith(OK_JSON);
  for (let at = 0; at < OK_JSON.length; at++) {
    if (payload[at] !== OK_JSON.charCodeAt(at)) return false;
  }
  return true;
}

function asText(payload: Uint8Array | string): string {
  return typeof payload === "string" ? payload : DECODER.decode(payload);
}

function errorOf(payload: string): { name: string; message: string } | undefined {
  try {
    const outcome = decodeOutcome(payload);
    if (outcome.ok) return undefined;
    if ("timeLimit" in outcome) {
      return { name: "TimeoutError", message: `ran longer than ${outcome.timeLimit} ms` };
    }
    const error = outcome.error as { name?: unknown; message?: unknown } | null;
    return { name: String(error?.name ?? "Error"), message: String(error?.message ?? error) };
  } catch {
    return { name: "Error", message: "(undecodable outcome)" };
  }
}
