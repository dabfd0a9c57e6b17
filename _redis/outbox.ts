// Copyright 2026 the @concurrent/futures authors. MIT license.
// The executor's tasks on their way to Redis: the XADDs of a burst wait
// here, not in the client.
//
// `submit` must not fail because the connection is not up yet, and a
// million submits made before it is must not become a million commands
// waiting in the client (whose bound on waiting commands exists to fail
// fast when Redis is away). So tasks queue here, in order, and at most
// WINDOW XADDs are out at a time: one more goes as each is answered. The
// first ones also wait for the server's eviction policy to be checked
// (memory.ts), so a task is never queued on a server that may evict it.
//
// The tasks Redis has not acknowledged yet (waiting here or sent) are
// counted against `maxQueue` (_future/backlog.ts: beyond it, submit throws
// QueueFullError; default Infinity, as a burst must not fail), and `map`
// stops reading its input at a high-water mark of PACE until they drain,
// so an endless input does not fill memory.
//
// A task already done (cancelled while it waited) is skipped. When the
// connection is gone for good (a command failed unsent: the first
// connection refused, or no connection for offlineTimeout), every task
// still waiting here fails with the same error: it would only wait as long
// again behind it.

import { Deque } from "../_util/deque.ts";
import { Backlog, type Gate } from "../_future/backlog.ts";
import type { RedisClient } from "./client.ts";
import type { TaskRecord } from "./engine.ts";
import { RedisConnectionError } from "./errors.ts";
import { checkEvictionPolicy } from "./memory.ts";

// XADDs written and not yet answered. Enough to keep a pipeline full (a
// reply per microsecond for 10 ms), far below the client's own bound.
const WINDOW = 10_000;
// Unacknowledged tasks at which map stops reading its input.
const PACE = 20_000;

/** Sends a record's XADD; resolves once it is answered or failed. */
export type SendRecord = (record: TaskRecord) => Promise<void>;

/** Where tasks wait to be sent; see the module comment. */
export class Outbox {
  readonly #client: RedisClient;
  readonly #allowEviction: boolean;
  readonly #send: SendRecord;
  readonly #waiting = new Deque<TaskRecord>();
  readonly #admission: Backlog;
  readonly #pace: Backlog;
  #inflight = 0;
  #gate: "unchecked" | "checking" | "open" = "unchecked";

  /**
   * Makes the outbox of an executor whose XADDs `send` makes, with at most
   * `maxQueue` tasks not yet acknowledged.
   */
  constructor(client: RedisClient, allowEviction: boolean, send: SendRecord, maxQueue: number) {
    this.#client = client;
    this.#allowEviction = allowEviction;
    this.#send = send;
    const what = ["RedisExecutor", "not yet acknowledged by Redis"] as const;
    this.#admission = new Backlog(maxQueue, ...what);
    this.#pace = maxQueue <= PACE ? this.#admission : new Backlog(PACE, ...what);
  }

  /** What map waits on: full from PACE (or maxQueue) unacknowledged tasks until half drained. */
  get gate(): Gate {
    return this.#pace;
  }

  /** Resolves when the backlog is below its low-water mark. */
  whenReady(): Promise<void> {
    return this.#admission.whenReady();
  }

  /**
   * Throws {@linkcode QueueFullError} when one more task would exceed
   * `maxQueue`.
   */
  admit(): void {
    this.#admission.admit();
  }

  /** Counts a new task until `acknowledged(record)`. */
  count(record: TaskRecord): void {
    record.unacked = true;
    this.#admission.add();
    if (this.#pace !== this.#admission) this.#pace.add();
  }

  /** Redis has the task's entry, or the task settled first: it no longer counts. */
  acknowledged(record: TaskRecord): void {
    if (!record.unacked) return;
    record.unacked = false;
    this.#admission.remove();
    if (this.#pace !== this.#admission) this.#pace.remove();
  }

  /** Tasks waiting to be sent. */
  get length(): number {
    return this.#waiting.length;
  }

  /** Queues a record's XADD behind the others; `pump()` sends. */
  push(record: TaskRecord): void {
    this.#waiting.push(record);
  }

  /** Sends what waits, as far as the window allows (after the policy check). */
  pump(): void {
    if (this.#gate === "unchecked") this.#check();
    if (this.#gate !== "open") return;
    while (this.#inflight < WINDOW) {
      const record = this.#waiting.shift();
      if (record === undefined) return;
      if (record.future.done()) continue;
      this.#inflight++;
      void this.#send(record).finally(() => {
        this.#inflight--;
        this.pump();
      });
    }
  }

  /**
   * Reads the eviction policy again before the next send: a reconnect may
   * be to a server restarted with another one.
   */
  recheck(): void {
    if (this.#gate !== "open") return;
    this.#gate = "unchecked";
    this.pump();
  }

  /** Fails every task still waiting here with `error`. */
  failAll(error: unknown): void {
    for (let record = this.#waiting.shift(); record; record = this.#waiting.shift()) {
      if (!record.future.done()) record.future.setException(error);
    }
  }

  // A refused policy fails what waits, and the next task checks again: an
  // operator may fix the server without restarting this program.
  #check(): void {
    this.#gate = "checking";
    checkEvictionPolicy(this.#client, this.#allowEviction).then(
      () => {
        this.#gate = "open";
        this.pump();
      },
      (error: unknown) => {
        this.#gate = "unchecked";
        // Lost with a connection that dropped under it: ask again on the next.
        if (error instanceof RedisConnectionError && error.sent) this.pump();
        else this.failAll(error);
      },
    );
  }
}
