// Copyright 2026 the @concurrent/futures authors. MIT license.
// The messages between a pool and its workers, the same for threads
// (structured clone) and processes (the frame codec). Every message is one
// flat array: cloning nested objects costs a round trip about 8 µs more in
// Bun (45 µs against 53 µs for a one-task ping-pong), and a batch of tasks is
// one allocation, not one per task.

import { isThrown, type Thrown } from "./thrown.ts";

export type { Thrown } from "./thrown.ts";

/**
 * How a task crosses to a worker: its source (and the name it is known by,
 * bound to it in the worker so that it can call itself), or its module and
 * export.
 */
export type TaskSpec =
  | { readonly kind: "source"; readonly source: string; readonly name?: string }
  | { readonly kind: "module"; readonly module: string; readonly name: string };

/** A function a worker has not seen yet: its id in this pool, and its spec. */
export type FnDef = [fnId: number, spec: TaskSpec];

/** Message types: the first element of every message. */
export const Msg = {
  Init: 0,
  Run: 1,
  Done: 2,
  InitFailed: 3,
  Fatal: 4,
  Returned: 5,
  Ready: 6,
  // A child's results in a burst (`_worker/burst_log.ts`): `token, Burst,
  // busy, first, after, ...results`; the pool's side of the channel turns
  // bursts back into Done messages, in order, each result once. (A line
  // comment: see TaskKind.Chunk for why not a JSDoc block.)
  Burst: 7,
} as const;

/** Where the tasks of a {@linkcode RunMessage} start. */
export const RUN_TASKS = 2;
/**
 * Where a message from a worker has its type; before it stands the worker's
 * token. A task runs in the worker and can post messages of its own (the
 * web-worker `postMessage` idiom, a write to a child's channel) but cannot
 * read the token, so the pool tells its protocol from a task's messages.
 */
export const FROM_TYPE = 1;
/** Where a {@linkcode DoneMessage} has the milliseconds the worker spent. */
export const DONE_BUSY = 2;
/** Where the results of a {@linkcode DoneMessage} start. */
export const DONE_RESULTS = 3;

/** Where a burst (Msg.Burst) has the sequence number of its first result. */
export const BURST_FIRST = 3;
/** Where a burst has how many of the child's other messages came before it. */
export const BURST_AFTER = 4;
/** Where the results of a burst start. */
export const BURST_RESULTS = 5;

/** Task kinds in a run batch. */
export const TaskKind = {
  /** `fn(...args)`; the result is the value. */
  Call: 0,
  // The arguments are `argc, flatArgs`: calls of `argc` arguments each, laid
  // out flat; the result is the list of values. (A line comment: Deno's .d.ts
  // emit puts a JSDoc block between `readonly` and the key, and a block that
  // spans lines makes TypeScript read `readonly` as the key.)
  Chunk: 1,
} as const;
/** One of {@linkcode TaskKind}'s values. */
export type TaskKind = (typeof TaskKind)[keyof typeof TaskKind];

/** Result statuses in a done batch. */
export const Status = {
  /** The value is the result. */
  Ok: 0,
  /** The value is a {@linkcode Thrown}. */
  Error: 1,
  /** A chunk failed part-way: the value is `[valuesBefore, Thrown]`. */
  ChunkError: 2,
  /** Cancelled before it started (threads only): not run, no value. */
  Cancelled: 3,
  /**
   * The result is `undefined`, sent as null: one `undefined` would push the
   * whole batch off the process codec's JSON fast path.
   */
  Void: 4,
} as const;
/** One of {@linkcode Status}'s values. */
export type Status = (typeof Status)[keyof typeof Status];

// A task in a RunMessage is `id, fnId, kind, argc, ...args`, flat: these are
// the offsets of its fields from where it starts. Plain constants, so both
// sides read them at no cost.
/** Offset of a task's id (the pool's number for its future). */
export const TASK_ID = 0;
/** Offset of a task's function id (see {@linkcode FnDef}). */
export const TASK_FN = 1;
/** Offset of a task's {@linkcode TaskKind}. */
export const TASK_KIND = 2;
/** Offset of a task's argument count. */
export const TASK_ARGC = 3;
/** Offset of a task's first argument; the next task starts `argc` later. */
export const TASK_ARGS = 4;

// A result in a DoneMessage is `id, status, value`.
/** Offset of a result's task id. */
export const RESULT_ID = 0;
/** Offset of a result's {@linkcode Status}. */
export const RESULT_STATUS = 1;
/** Offset of a result's value. */
export const RESULT_VALUE = 2;
/** Fields per result in a {@linkcode DoneMessage}. */
export const RESULT_STRIDE = 3;

/** Appends a task to a run batch in the layout above. */
export function appendTask(
  message: RunMessage,
  id: number,
  fnId: number,
  kind: TaskKind,
  args: readonly unknown[],
): void {
  message.push(id, fnId, kind, args.length);
  // Not a spread: spreading into push costs Bun ~300 ns a task, a loop ~60.
  for (let i = 0; i < args.length; i++) message.push(args[i]);
}

/** Appends a result to a done batch in the layout above. */
export function appendResult(
  message: DoneMessage,
  id: number,
  status: Status,
  value: unknown,
): void {
  message.push(id, status, value);
}

/**
 * States of a task's slot in a thread worker's shared cancel ring: the pool
 * writes Queued when it sends the task, then either the worker moves it to
 * Started or `Future.cancel()` moves it to Cancelled, whichever wins the
 * compare-and-swap. So a task sent ahead to a busy worker stays cancellable.
 * The pool also takes a sent-ahead task back (Reclaimed) for an idle worker
 * the same way: the worker skips a slot it did not win, so a task runs once.
 */
export const Slot = { Queued: 0, Started: 1, Cancelled: 2, Reclaimed: 3 } as const;

/** Slots per worker; a power of two that bounds the tasks in flight. */
export const SLOTS = 4096;

/**
 * The first message a worker gets: its name (`${threadNamePrefix}_${n}`,
 * visible as `self.name` in a thread), the initializer and its arguments,
 * the cancel ring (threads only: an Int32Array over SLOTS entries), and the
 * token that starts every message it sends back.
 */
export type InitMessage = [
  type: typeof Msg.Init,
  name: string,
  initializer: TaskSpec | null,
  initargs: unknown[],
  slots: Int32Array | null,
  token: number,
];

/**
 * A batch of tasks, in order, from index RUN_TASKS on, each as
 * `id, fnId, kind, argc, ...args` (offsets TASK_ID … TASK_ARGS; a chunk has
 * two arguments: the arguments per call and all the calls' arguments, flat).
 */
export type RunMessage = [
  type: typeof Msg.Run,
  defs: FnDef[] | null,
  ...tasks: unknown[],
];

/** Messages from the pool to a worker. */
export type ToWorker = InitMessage | RunMessage;

/**
 * Results in completion order, from index DONE_RESULTS on, each as
 * `id, status, value` (offsets RESULT_ID … RESULT_VALUE), and the
 * milliseconds the worker spent on them.
 */
export type DoneMessage = [
  token: number,
  type: typeof Msg.Done,
  busy: number,
  ...results: unknown[],
];

/** The initializer threw: the pool is broken. */
export type InitFailedMessage = [token: number, type: typeof Msg.InitFailed, error: Thrown];

/** An error escaped outside any task (a timer, a stray rejection). */
export type FatalMessage = [token: number, type: typeof Msg.Fatal, error: Thrown];

/**
 * The ids of the tasks a child's protocol thread handed back when the pool
 * asked (`Transport.reclaim`). The child never runs them, and still reports
 * each in order, as Cancelled; that report can arrive first (fd 4 and fd 5
 * are separate pipes).
 */
export type ReturnedMessage = [token: number, type: typeof Msg.Returned, ...ids: number[]];

/**
 * A child process is up and its initializer has run: from now on, the task
 * at its front runs (and a time limit counts). Threads need none: their
 * cancel ring shows when a task starts.
 */
export type ReadyMessage = [token: number, type: typeof Msg.Ready];

/** Messages from a worker to the pool. */
export type FromWorker =
  | DoneMessage
  | InitFailedMessage
  | FatalMessage
  | ReturnedMessage
  | ReadyMessage;

/**
 * Tells whether a message from a worker is the protocol's: it starts with
 * the worker's token (anything else is a task's own message, not ours).
 */
export function isOurs(message: unknown, token: number): message is unknown[] {
  return Array.isArray(message) && message[0] === token;
}

/** Tells whether a message with the worker's token has the protocol's shape. */
export function isFromWorker(message: unknown[]): message is FromWorker {
  switch (message[FROM_TYPE]) {
    case Msg.Done:
      return typeof message[DONE_BUSY] === "number" && message.length > DONE_RESULTS &&
        (message.length - DONE_RESULTS) % RESULT_STRIDE === 0;
    case Msg.Ready:
      return message.length === FROM_TYPE + 1;
    case Msg.Returned:
      return message.slice(FROM_TYPE + 1).every((id) => Number.isInteger(id));
    case Msg.InitFailed:
    case Msg.Fatal: {
      return message.length === FROM_TYPE + 2 && isThrown(message[FROM_TYPE + 1]);
    }
    default:
      return false;
  }
}
