// Copyright 2026 the @concurrent/futures authors. MIT license.
// A task entry as a worker reads it. Anyone who can write to the stream can
// put anything there, so every field is checked: an entry that names no
// valid executor and task number cannot be answered and is dropped; one
// that does but is otherwise malformed fails only its own future.

import { MAX_TIMER_MS } from "../_future/validate.ts";
import { entryTime, isExecutorId, TaskField as F } from "./layout.ts";

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
  readonly args: string;
  /** Arguments per call, for a chunk. */
  readonly argc: number | undefined;
  readonly timeLimit: number | undefined;
  /** The executor's orphanTimeout. */
  readonly orphanTimeout: number;
  /** What makes the entry unusable, for its error. */
  readonly problem: string | undefined;
}

/** Reads an entry, or returns `undefined` when it cannot be routed to a future. */
export function parseEntry(id: string, fields: string[]): TaskEntry | undefined {
  const values = new Map<string, string>();
  for (let at = 0; at + 1 < fields.length; at += 2) values.set(fields[at]!, fields[at + 1]!);
  const exec = values.get(F.Exec);
  const seq = values.get(F.Seq);
  if (exec === undefined || seq === undefined || !isExecutorId(exec) || !/^\d{1,15}$/.test(seq)) {
    return undefined;
  }
  const problems: string[] = [];
  const fn = values.get(F.Fn);
  const args = values.get(F.Args);
  if (fn === undefined) problems.push("no function");
  if (args === undefined) problems.push("no arguments");
  const argc = number(values, F.Argc, 1, problems);
  // Beyond the timer limit, a timer fires at once (and Node warns).
  const timeLimit = number(values, F.TimeLimit, 1, problems, MAX_TIMER_MS);
  const orphanTimeout = number(values, F.Orphan, 1, problems) ?? 60_000;
  return {
    id,
    addedAt: entryTime(id),
    exec,
    seq,
    fn: fn ?? "",
    args: args ?? "",
    argc,
    timeLimit,
    orphanTimeout,
    problem: problems.length === 0 ? undefined : problems.join(", "),
  };
}

function number(
  values: Map<string, string>,
  name: string,
  min: number,
  problems: string[],
  max?: number,
): number | undefined {
  const value = values.get(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    problems.push(
      `field ${name} is not an integer ${range}: ${JSON.stringify(value.slice(0, 40))}`,
    );
    return undefined;
  }
  return n;
}
