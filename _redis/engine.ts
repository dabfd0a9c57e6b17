// Copyright 2026 the @concurrent/futures authors. MIT license.
// What the result reader (results.ts) and the recovery (recovery.ts) see of
// the executor's engine (dispatch.ts): the records of tasks still to settle
// and the few operations they call back. Dispatch implements it and makes
// both; they know only this interface, so the three files import one way.

import type { Future } from "../_future/future.ts";
import type { RedisClient } from "./client.ts";
import type { QueueKeys } from "./layout.ts";
import type { RedisArg } from "./resp_encode.ts";

/** A task whose outcome is still to come from Redis. */
export interface TaskRecord {
  readonly seq: number;
  readonly future: Future<unknown>;
  readonly chunk: boolean;
  /** The XADD's fields, kept until Redis has confirmed the entry. */
  fields: RedisArg[] | undefined;
  /** The entry's id, once XADD has answered (a retry moves it). */
  entryId: string | undefined;
  /** The last entry id confirmed before this one's XADD was lost. */
  after: string | undefined;
  /** Failed locally while running (an aborted signal): discard its result. */
  stopped: boolean;
  /** Counted in the outbox's backlog until Redis has its entry (or it settles). */
  unacked?: boolean | undefined;
  /** The worker whose "started" notice came last, until the entry moves. */
  startedBy?: string | undefined;
}

/** The engine as its reader and recovery see it. */
export interface Engine {
  /** The executor's id, as written in its task entries. */
  readonly id: string;
  /** The queue's keys. */
  readonly keys: QueueKeys;
  /** The executor's results stream. */
  readonly resultsKey: string;
  /** The connection for commands that do not block. */
  readonly client: RedisClient;
  /** The tasks whose outcome is still to come, by seq. */
  readonly records: ReadonlyMap<number, TaskRecord>;
  /** The executor's orphanTimeout, in milliseconds. */
  readonly orphanTimeout: number;
  /** Sends (or sends again) a record's XADD. */
  send(record: TaskRecord): void;
  /** Records where a task's entry is, once known. */
  confirm(record: TaskRecord, entryId: string): void;
  /** Notes that a task started, for the sweeps. */
  started(): void;
  /** Counts a remote operation the executor must not close under. */
  track<T>(operation: Promise<T>): Promise<T>;
}
