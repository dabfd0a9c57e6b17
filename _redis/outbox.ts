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
// A task already done (cancelled while it waited) is skipped. When the
// connection is gone for good (a command failed unsent: the first
// connection refused, or no connection for offlineTimeout), every task
// still waiting here fails with the same error: it would only wait as long
// again behind it.

import { Deque } from "../_util/deque.ts";
import type { RedisClient } from "./client.ts";
import type { TaskRecord } from "./engine.ts";
import { checkEvictionPolicy } from "./memory.ts";

// XADDs written and not yet answered. Enough to keep a pipeline full (a
// reply per microsecond for 10 ms), far below the client's own bound.
const WINDOW = 10_000;

/** Sends a record's XADD; resolves once it is answered or failed. */
export type SendRecord = (record: TaskRecord) => Promise<void>;

/** Where tasks wait to be sent; see the module comment. */
export class Outbox {
  readonly #client: RedisClient;
  readonly #allowEviction: boolean;
  readonly #send: SendRecord;
  readonly #waiting = new Deque<TaskRecord>();
  #inflight = 0;
  #gate: "unchecked" | "checking" | "open" = "unchecked";

  /** Makes the outbox of an executor whose XADDs `send` makes. */
  constructor(client: RedisClient, allowEviction: boolean, send: SendRecord) {
    this.#client = client;
    this.#allowEviction = allowEviction;
    this.#send = send;
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
        this.failAll(error);
      },
    );
  }
}
