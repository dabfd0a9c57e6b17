// Copyright 2026 the @concurrent/futures authors. MIT license.
// Where everything lives in Redis, in one place: key names, the fields of a
// task entry and of a result entry. Both sides (executor and worker node)
// and the Lua scripts agree on this file.
//
// Every key of a queue carries the hash tag `{queue}`, so a Redis Cluster
// keeps them in one slot and the scripts may touch them together.
//
//   cf:{q}:tasks               stream of task entries, consumer group "workers"
//   cf:{q}:executor:<exec>     an executor's liveness (PX orphanTimeout)
//   cf:{q}:results:<exec>      an executor's results stream (PX orphanTimeout)
//   cf:{q}:worker:<name>       a worker node's lease (PX lease)
//   cf:{q}:stops:<exec>        set of an executor's seqs whose results to discard
//   cf:{q}:started:<name>      set of the entry ids a worker node has started
//
// A task is claimed when XREADGROUP delivers its entry to a worker: the
// entry is then in the group's pending list, owned by that worker, and the
// worker starts it at once. So "claimed" is a fact Redis records atomically,
// and a cancel that reaches Redis first (the entry is deleted while still
// undelivered) means no worker ever sees it.

/** The consumer group every worker node reads the task stream with. */
export const GROUP = "workers";

/** The keys of one queue. */
export interface QueueKeys {
  /** `cf:{q}:` — the prefix every key of the queue starts with. */
  readonly prefix: string;
  /** The task stream. */
  readonly tasks: string;
}

/** The keys of queue `queue` (already checked by {@linkcode checkQueueName}). */
export function queueKeys(queue: string): QueueKeys {
  const prefix = `cf:{${queue}}:`;
  return { prefix, tasks: `${prefix}tasks` };
}

/** An executor's liveness key. */
export function executorKey(keys: QueueKeys, exec: string): string {
  return `${keys.prefix}executor:${exec}`;
}

/** An executor's results stream. */
export function resultsKey(keys: QueueKeys, exec: string): string {
  return `${keys.prefix}results:${exec}`;
}

/** A worker node's lease key. */
export function workerKey(keys: QueueKeys, name: string): string {
  return `${keys.prefix}worker:${name}`;
}

/** A worker node's started set: the ids of the entries it started and still holds. */
export function startedKey(keys: QueueKeys, name: string): string {
  return `${keys.prefix}started:${name}`;
}

/** An executor's stop markers: the seqs of tasks whose results to discard. */
export function stopsKey(keys: QueueKeys, exec: string): string {
  return `${keys.prefix}stops:${exec}`;
}

/** Fields of a task entry, one letter each (they are repeated per entry). */
export const TaskField = {
  /** The executor's id: where the result goes. */
  Exec: "e",
  /** The task's number within its executor. */
  Seq: "i",
  /** The function: JSON of a TaskSpec (module + export, or source). */
  Fn: "f",
  /** The arguments, an encoded value (see values.ts). */
  Args: "a",
  /** Present for a chunk: arguments per call; `a` holds the calls flat. */
  Argc: "k",
  /** Milliseconds the task may run once claimed. */
  TimeLimit: "t",
  /** How many more runs a task whose worker was lost may have. */
  Retries: "r",
  /** Which run this entry is (absent: the first). */
  Attempt: "n",
  /** The executor's orphanTimeout, for the worker's checks. */
  Orphan: "o",
} as const;

/**
 * What a result entry reports; the entry's first field is one of these and
 * its value the worker's name. After it come `seq → payload` pairs, except
 * for Started and Orphaned, which have one field, `seqs`, a comma list.
 */
export const ResultKind = {
  /** The tasks were claimed and started. */
  Started: "s",
  /** The tasks finished; each payload is an encoded outcome. */
  Done: "r",
  /** The worker running the tasks was lost (its lease expired). */
  Lost: "l",
  /** The tasks were dropped unrun: their executor had been silent too long. */
  Orphaned: "o",
  /** A lost worker's tasks were queued again; each payload is the new entry id. */
  Moved: "m",
} as const;

// Names end up inside key names: no hash-tag braces, no spaces or control
// characters, and short enough to keep keys small.
// deno-lint-ignore no-control-regex -- control characters are what it refuses
const NAME = /^[^\s{}\x00-\x1f\x7f]{1,200}$/;

/**
 * Checks a queue name.
 *
 * @throws {TypeError} If it is not a non-empty string of at most 200
 * characters without spaces, braces or control characters.
 */
export function checkQueueName(queue: unknown, action: string): string {
  if (typeof queue !== "string" || !NAME.test(queue)) {
    throw new TypeError(
      `Cannot ${action}: queue must be a non-empty string of at most 200 characters without spaces or braces, received ${
        typeof queue === "string" ? JSON.stringify(queue) : typeof queue
      }`,
    );
  }
  return queue;
}

/** Tells whether `text` is a usable worker or executor name. */
export function isName(text: string): boolean {
  return NAME.test(text);
}

/** Tells whether `text` is an executor id as executors make them. */
export function isExecutorId(text: string): boolean {
  return /^[0-9a-f]{16}$/.test(text);
}

/** Makes an executor id: 64 random bits, hex. */
export function newExecutorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The millisecond part of a stream entry id (`1700000000000-0`). */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}

/** Orders two stream entry ids: negative, zero or positive, as `a` is before, at or after `b`. */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf("-"), db = b.indexOf("-");
  const ms = Number(a.slice(0, da)) - Number(b.slice(0, db));
  return ms !== 0 ? ms : Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}
