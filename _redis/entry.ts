// Copyright 2026 the @concurrent/futures authors. MIT license.
// A task entry as a worker reads it. Anyone who can write to the stream can
// put anything there, so every field is checked: an entry that names no
// valid executor and task number cannot be answered and is dropped; one
// that does but is otherwise malformed fails only its own future.

import { ascii, entryTime, isExecutorId, TaskField as F } from "./layout.ts";

/** A task entry, parsed; `problem` says what is wrong with it, if anything. */
export interface TaskEntry {
  /** The entry's stream id. */
  readonly id: string;
  /** When it was added (ms since the epoch, the server's clock). */
  readonly addedAt: number;
  readonly exec: string;
  readonly seq: string;
  /** The function spec, JSON. */
  readonly fn: string;
  readonly args: Uint8Array;
  /** Arguments per call, for a chunk. */
  readonly argc: number | undefined;
  readonly timeLimit: number | undefined;
  /** The executor's orphanTimeout. */
  readonly orphanTimeout: number;
  /** What makes the entry unusable, for its error. */
  readonly problem: string | undefined;
}

const text = new TextDecoder();
const EMPTY = new Uint8Array();

/** Reads an entry, or returns `undefined` when it cannot be routed to a future. */
export function parseEntry(id: Uint8Array, fields: Uint8Array[]): TaskEntry | undefined {
  const entryId = ascii(id);
  const values = new Map<string, Uint8Array>();
  for (let at = 0; at + 1 < fields.length; at += 2) {
    values.set(ascii(fields[at]!), fields[at + 1]!);
  }
  const exec = field(values, F.Exec);
  const seq = field(values, F.Seq);
  if (exec === undefined || seq === undefined || !isExecutorId(exec) || !/^\d{1,15}$/.test(seq)) {
    return undefined;
  }
  const problems: string[] = [];
  const fn = values.get(F.Fn);
  const args = values.get(F.Args);
  if (fn === undefined) problems.push("no function");
  if (args === undefined) problems.push("no arguments");
  const argc = number(values, F.Argc, 1, problems);
  const timeLimit = number(values, F.TimeLimit, 1, problems);
  const orphanTimeout = number(values, F.Orphan, 1, problems) ?? 60_000;
  return {
    id: entryId,
    addedAt: entryTime(entryId),
    exec,
    seq,
    fn: fn === undefined ? "" : text.decode(fn),
    args: args ?? EMPTY,
    argc,
    timeLimit,
    orphanTimeout,
    problem: problems.length === 0 ? undefined : problems.join(", "),
  };
}

function field(values: Map<string, Uint8Array>, name: string): string | undefined {
  const value = values.get(name);
  return value === undefined ? undefined : ascii(value);
}

function number(
  values: Map<string, Uint8Array>,
  name: string,
  min: number,
  problems: string[],
): number | undefined {
  const value = field(values, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    problems.push(`field ${name} is not an integer >= ${min}: ${JSON.stringify(value)}`);
    return undefined;
  }
  return n;
}
