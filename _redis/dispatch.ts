// Copyright 2026 the @concurrent/futures authors. MIT license.
// The engine behind RedisExecutor: one record per task whose outcome is
// still to come, the XADD that queues it, the cancels, and the executor's
// liveness key. Results are read by results.ts; what to do after a lost
// connection or a server that lost its data is in recovery.ts.
//
//   submit ─▶ record ─▶ XADD cf:{q}:tasks ──▶ (a worker claims, runs, finishes)
//                                                        │
//   future ◀─ settle ◀─ XREAD cf:{q}:results:<exec> ◀────┘
//
// A future that is done locally first (cancel(), an aborted signal) leaves
// its record at once, and a CANCEL script goes after its entry: deleted if
// no worker has claimed it yet, else marked so its result is discarded.

import { clearInterval, setInterval } from "node:timers";
import { Future, onDone } from "../_future/future.ts";
import { type DescribedTask, describeTask } from "../_future/tasks.ts";
import { BlockingReader } from "./blocking.ts";
import { RedisClient } from "./client.ts";
import type { RedisClientOptions } from "./config.ts";
import { RedisConnectionError } from "./errors.ts";
import {
  executorKey,
  GROUP,
  newExecutorId,
  type QueueKeys,
  queueKeys,
  resultsKey,
  stopsKey,
  TaskField as F,
} from "./layout.ts";
import { failUnheld } from "./held.ts";
import { CANCEL, SWEEP } from "./scripts.ts";
import type { RedisArg } from "./resp_encode.ts";
import { Recovery } from "./recovery.ts";
import { ResultReader } from "./results.ts";
import { encodeValue } from "./values.ts";

/** The checked options a Dispatch runs with. */
export interface DispatchConfig {
  readonly connection: RedisClientOptions;
  readonly queue: string;
  readonly retries: number;
  readonly orphanTimeout: number;
  readonly sweepInterval: number;
}

/** Per-call options of one task. */
export interface TaskOptions {
  readonly timeLimit?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

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
  /** The worker whose "started" notice came last, until the entry moves. */
  startedBy?: string | undefined;
}

const SWEEP_BATCH = 100;
const CANCEL_BATCH = 500;

/** The executor's engine; see the module comment. */
export class Dispatch {
  readonly id: string = newExecutorId();
  readonly keys: QueueKeys;
  readonly resultsKey: string;
  readonly client: RedisClient;
  readonly records: Map<number, TaskRecord> = new Map();
  readonly #config: DispatchConfig;
  readonly #executorKey: string;
  readonly #stopsKey: string;
  readonly #reader: ResultReader;
  readonly #recovery: Recovery;
  readonly #specs = new WeakMap<DescribedTask, string>();
  readonly #byFuture = new WeakMap<Future<unknown>, TaskRecord>();
  #seq = 0;
  #lastConfirmed = "0-0";
  // When the liveness key expires, as far as this side knows.
  #keyUntil = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #cancels: [string, number][] = [];
  #ops = 0;
  #idle: (() => void)[] = [];
  #everConnected = false;

  /** Makes the engine; nothing connects until the first task. */
  constructor(config: DispatchConfig) {
    this.#config = config;
    this.keys = queueKeys(config.queue);
    this.resultsKey = resultsKey(this.keys, this.id);
    this.#executorKey = executorKey(this.keys, this.id);
    this.#stopsKey = stopsKey(this.keys, this.id);
    this.client = new RedisClient({
      ...config.connection,
      name: `cf-executor-${this.id}`,
      onEvent: (event) => {
        if (event.type !== "connect") return;
        // A reconnect may be to a server that lost its data: check at once.
        if (this.#everConnected && this.records.size > 0) this.#refreshKey();
        this.#everConnected = true;
      },
    });
    this.client.unref();
    const blocking = new BlockingReader(this.client, { name: `cf-results-${this.id}` });
    this.#reader = new ResultReader(this, blocking);
    this.#recovery = new Recovery(this, this.#reader);
  }

  /** The settings this engine runs with. */
  get config(): DispatchConfig {
    return this.#config;
  }

  /**
   * Queues `fn(...args)` (or, with `argc`, a chunk of calls laid out flat).
   *
   * @throws {TypeError} If `fn` cannot be sent.
   */
  submit(
    fn: unknown,
    args: unknown[],
    options: TaskOptions,
    argc?: number,
  ): Future<unknown> {
    const described = describeTask(fn, "submit task");
    const future = new Future<unknown>();
    if (options.signal?.aborted) {
      future.cancel();
      return future;
    }
    let payload: Uint8Array;
    try {
      payload = encodeValue(args);
    } catch (error) {
      future.setException(error);
      return future;
    }
    const seq = ++this.#seq;
    const { orphanTimeout, retries } = this.#config;
    const fields: RedisArg[] = [
      F.Exec,
      this.id,
      F.Seq,
      seq,
      F.Fn,
      this.#spec(described),
      F.Args,
      payload,
      F.Orphan,
      orphanTimeout,
    ];
    if (argc !== undefined) fields.push(F.Argc, argc);
    if (options.timeLimit !== undefined) fields.push(F.TimeLimit, Math.ceil(options.timeLimit));
    if (retries > 0) fields.push(F.Retries, retries);
    const record: TaskRecord = {
      seq,
      future,
      chunk: argc !== undefined,
      fields,
      entryId: undefined,
      after: undefined,
      stopped: false,
    };
    this.records.set(seq, record);
    this.#byFuture.set(future, record);
    onDone(future, () => this.#onSettled(record));
    // Sent in the same tick as the XADD, so it reaches the server first.
    if (performance.now() > this.#keyUntil - (orphanTimeout * 3) / 4) this.#refreshKey();
    this.send(record);
    this.#reader.start();
    return future;
  }

  /** Sends (or sends again) a record's XADD. */
  send(record: TaskRecord): void {
    const fields = record.fields!;
    this.client.send(["XADD", this.keys.tasks, "*", ...fields]).then(
      (id) => this.#confirmed(record, id as string),
      (error: unknown) => {
        if (error instanceof RedisConnectionError && error.sent) {
          // It may or may not be in the stream: look for it once reconnected.
          record.after = this.#lastConfirmed;
          this.#recovery.findLater(record);
        } else if (!record.future.done()) {
          record.future.setException(error);
        }
      },
    );
  }

  /** Records where a task's entry is, once known. */
  confirm(record: TaskRecord, entryId: string): void {
    this.#confirmed(record, entryId);
  }

  /** Fails a running task now (an aborted signal) and has its result discarded. */
  stop(future: Future<unknown>, reason: unknown): void {
    const record = this.#byFuture.get(future);
    if (record === undefined || future.done()) return;
    record.stopped = true;
    record.future.setException(reason);
  }

  /** Notes that a task started, for the sweeps. */
  started(): void {
    if (this.#sweepTimer !== undefined) return;
    const timer = setInterval(() => this.#sweep(), this.#config.sweepInterval);
    timer.unref();
    this.#sweepTimer = timer;
  }

  /** Counts a remote operation the executor must not close under. */
  track<T>(operation: Promise<T>): Promise<T> {
    this.#ops++;
    return operation.finally(() => {
      this.#ops--;
      this.#checkIdle();
    });
  }

  /** Resolves once no task is outstanding and no cancel is in flight. */
  drained(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops timers, removes this executor's keys and closes its connections. */
  async close(): Promise<void> {
    this.#stopTimers();
    if (this.#keyUntil > 0) {
      await Promise.allSettled([
        this.client.send(["DEL", this.#executorKey, this.resultsKey, this.#stopsKey]),
      ]);
    }
    await this.#reader.close();
    await this.client.close();
  }

  #confirmed(record: TaskRecord, entryId: string): void {
    record.entryId = entryId;
    record.fields = undefined;
    this.#lastConfirmed = entryId;
    // Cancelled (or stopped) while its XADD was on the way.
    if (record.future.done()) this.#queueCancel(record);
  }

  #spec(described: DescribedTask): string {
    let spec = this.#specs.get(described);
    if (spec === undefined) {
      spec = JSON.stringify(described.spec);
      this.#specs.set(described, spec);
    }
    return spec;
  }

  #onSettled(record: TaskRecord): void {
    if (this.records.get(record.seq) === record) this.records.delete(record.seq);
    const { future } = record;
    if ((future.cancelled() || record.stopped) && record.entryId !== undefined) {
      this.#queueCancel(record);
    }
    if (this.records.size === 0) {
      this.#stopTimers();
      this.#reader.idle();
      this.#checkIdle();
    }
  }

  #queueCancel(record: TaskRecord): void {
    if (!record.future.cancelled() && !record.stopped) return;
    if (this.#cancels.push([record.entryId!, record.seq]) > 1) return;
    queueMicrotask(() => {
      const batch = this.#cancels;
      this.#cancels = [];
      const runs: Promise<unknown>[] = [];
      for (let at = 0; at < batch.length; at += CANCEL_BATCH) {
        const args: RedisArg[] = [GROUP, this.#config.orphanTimeout];
        for (const [id, seq] of batch.slice(at, at + CANCEL_BATCH)) args.push(id, seq);
        runs.push(CANCEL.run(this.client, [this.keys.tasks, this.#stopsKey], args));
      }
      // A cancel that cannot reach Redis changes nothing here: the future
      // is already cancelled, and a result that comes is ignored.
      this.track(Promise.allSettled(runs));
    });
  }

  // `SET … GET` both refreshes the key and tells whether it was still
  // there: when it was expected and is gone, the server lost data (or this
  // executor was unreachable for longer than orphanTimeout).
  #refreshKey(): void {
    const { orphanTimeout } = this.#config;
    const expected = performance.now() < this.#keyUntil - 1_000;
    const sentAt = performance.now();
    this.#keyUntil = Math.max(this.#keyUntil, sentAt + 1_000); // no second SET this tick
    this.client.send(["SET", this.#executorKey, "1", "PX", orphanTimeout, "GET"]).then(
      (previous) => {
        this.#keyUntil = sentAt + orphanTimeout;
        if (previous === null && expected) this.#recovery.reconcile();
      },
      () => {
        // Offline: the next refresh or reconnect tries again.
      },
    );
    if (this.#refreshTimer === undefined) {
      const timer = setInterval(() => this.#refreshKey(), orphanTimeout / 4);
      timer.unref();
      this.#refreshTimer = timer;
    }
  }

  #sweep(): void {
    const args = [GROUP, this.keys.prefix, SWEEP_BATCH];
    SWEEP.run(this.client, [this.keys.tasks], args).catch(() => {
      // No group yet, or offline: the next sweep tries again.
    });
    void this.track(failUnheld(this, this.#reader));
  }

  #stopTimers(): void {
    clearInterval(this.#refreshTimer);
    clearInterval(this.#sweepTimer);
    this.#refreshTimer = this.#sweepTimer = undefined;
  }

  #isIdle(): boolean {
    return this.records.size === 0 && this.#ops === 0 && this.#cancels.length === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
