// Copyright 2026 the @concurrent/futures authors. MIT license.
// The messages between a pool and its workers, the same for threads
// (structured clone) and processes (the frame codec). Batches are flat arrays
// with a fixed stride: one allocation per message instead of one per task.

import type { TaskSpec } from "./_tasks.ts";
import type { WireError } from "./_wire_error.ts";

/** A function a worker has not seen yet: its id in this pool, and its spec. */
export type FnDef = [fnId: number, spec: TaskSpec];

/** Fields per task in {@linkcode RunMessage.tasks}. */
export const TASK_STRIDE = 4;
/** Fields per result in {@linkcode DoneMessage.results}. */
export const RESULT_STRIDE = 3;

/** Task kinds in a run batch. */
export const TaskKind = {
  /** `fn(...args)`; the result is the value. */
  Call: 0,
  /** `args` is a list of argument lists; the result is the list of values. */
  Chunk: 1,
} as const;

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
} as const;

/**
 * States of a task's slot in a thread worker's shared cancel ring: the pool
 * writes Queued when it sends the task, then either the worker moves it to
 * Started or `Future.cancel()` moves it to Cancelled, whichever wins the
 * compare-and-swap. So a task sent ahead to a busy worker stays cancellable.
 */
export const Slot = { Queued: 0, Started: 1, Cancelled: 2 } as const;

/** Slots per worker; a power of two that bounds the tasks in flight. */
export const SLOTS = 4096;

/**
 * What a task threw: an Error, rebuilt on the other side from its wire form,
 * or any other value, passed as it is.
 */
export type Thrown = { error: WireError } | { value: unknown };

/** The first message a worker gets. */
export interface InitMessage {
  t: "init";
  /** `${threadNamePrefix}_${n}`, visible as `self.name` in a thread. */
  name: string;
  initializer: TaskSpec | null;
  initargs: unknown[];
  /** The cancel ring (threads only): an Int32Array over SLOTS entries. */
  slots: Int32Array | null;
}

/** A batch of tasks, in order. `tasks` holds `[id, fnId, kind, args]`. */
export interface RunMessage {
  t: "run";
  defs: FnDef[] | null;
  tasks: unknown[];
}

/** Messages from the pool to a worker. */
export type ToWorker = InitMessage | RunMessage;

/** Results, in completion order. `results` holds `[id, status, value]`. */
export interface DoneMessage {
  t: "done";
  results: unknown[];
  /** Milliseconds the worker spent running these tasks. */
  busy: number;
}

/** The initializer threw: the pool is broken. */
export interface InitFailedMessage {
  t: "init-failed";
  error: Thrown;
}

/** An error escaped outside any task (a timer, a stray rejection). */
export interface FatalMessage {
  t: "fatal";
  error: Thrown;
}

/** Messages from a worker to the pool. */
export type FromWorker = DoneMessage | InitFailedMessage | FatalMessage;
