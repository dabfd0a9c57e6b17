// Copyright 2026 the @concurrent/futures authors. MIT license.
// The engine behind RedisExecutor: one record per task whose outcome is
// still to come, the XADD that queues it and the cancels. Results are read
// by results.ts; what to do after a lost connection or a server that lost
// its data is in recovery.ts; tasks wait in outbox.ts until their XADD can
// go; the liveness key and the sweeps are upkeep.ts.
//
//   submit ─▶ record ─▶ outbox ─▶ XADD cf:{q}:tasks ──▶ (a worker claims, runs, finishes)
//                                                                  │
//   future ◀─ settle ◀─ XREAD cf:{q}:results:<exec> ◀──────────────┘
//
// A future that is done locally first (cancel(), an aborted signal) leaves
// its record at once, and a CANCEL script goes after its entry: deleted if
// no worker has claimed it yet, else marked so its result is discarded.

import { setTimeout } from "node:timers";
import { Future, onDone } from "../_future/future.ts";
import { type DescribedTask, describeTask } from "../_future/tasks.ts";
import { BlockingReader } from "./blocking.ts";
import { RedisClient } from "./client.ts";
import type { RedisClientOptions } from "./config.ts";
import { RedisConnectionError, RedisError } from "./errors.ts";
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
import { CANCEL } from "./scripts.ts";
import type { RedisArg } from "./resp_encode.ts";
import { Recovery } from "./recovery.ts";
import { ResultReader } from "./results.ts";
import { encodeValue } from "./values.ts";
import { outOfMemory } from "./memory.ts";
import { Outbox } from "./outbox.ts";
import type { Gate } from "../_future/backlog.ts";
import { NodeWatch } from "./node_watch.ts";
import type { Engine, TaskRecord } from "./engine.ts";
import { Upkeep } from "./upkeep.ts";

/** The checked options a Dispatch runs with. */
export interface DispatchConfig {
  readonly connection: RedisClientOptions;
  readonly queue: string;
  readonly retries: number;
  readonly orphanTimeout: number;
  readonly sweepInterval: number;
  readonly allowEviction: boolean;
  readonly noNodesTimeout: number;
  readonly maxQueue: number;
  readonly warnNoNodes: boolean;
}

/** Per-call options of one task. */
export interface TaskOptions {
  readonly timeLimit?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const CANCEL_BATCH = 500;

/** The executor's engine; see the module comment. */
export class Dispatch implements Engine {
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
  readonly #outbox: Outbox;
  readonly #nodeWatch: NodeWatch;
  readonly #upkeep: Upkeep;
  readonly #specs = new WeakMap<DescribedTask, string>();
  readonly #byFuture = new WeakMap<Future<unknown>, TaskRecord>();
  #seq = 0;
  #lastConfirmed = "0-0";
  #cancels: [string, number][] = [];
  #ops = 0;
  #idle: (() => void)[] = [];
  #everConnected = false;
  #kickQueued = false;

  /**
   * Makes the engine; nothing connects until the first task. `onNoNodes`
   * is told when tasks wait and no worker node serves the queue.
   */
  constructor(
    config: DispatchConfig,
    onNoNodes: (detail: { queued: number; waited: number }) => void,
  ) {
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
        if (this.#everConnected) this.#outbox.recheck();
        // A reconnect may be to a server that lost its data (a restart, or
        // a promoted replica that missed the last writes): check at once.
        if (this.#everConnected && this.records.size > 0) {
          this.#upkeep.refreshKey();
          this.#recovery.reconcile();
        }
        this.#everConnected = true;
      },
    });
    this.client.unref();
    const blocking = new BlockingReader(this.client, { name: `cf-results-${this.id}` });
    this.#reader = new ResultReader(this, blocking);
    this.#recovery = new Recovery(this, this.#reader);
    this.#upkeep = new Upkeep({
      engine: this,
      reader: this.#reader,
      recovery: this.#recovery,
      executorKey: this.#executorKey,
      sweepInterval: config.sweepInterval,
      lastConfirmed: () => this.#lastConfirmed,
    });
    this.#outbox = new Outbox(
      this.client,
      config.allowEviction,
      (record) => this.#xadd(record),
      config.maxQueue,
    );
    this.#nodeWatch = new NodeWatch(this.client, this.keys, {
      queue: config.queue,
      after: config.noNodesTimeout,
      warn: config.warnNoNodes,
      queued: () => this.records.size,
      emit: onNoNodes,
    });
  }

  /** What map waits on before it reads more input. */
  get gate(): Gate {
    return this.#outbox.gate;
  }

  /** Resolves when fewer than half of maxQueue tasks wait for Redis. */
  whenReady(): Promise<void> {
    return this.#outbox.whenReady();
  }

  /** The settings this engine runs with. */
  get config(): DispatchConfig {
    return this.#config;
  }

  /** The executor's orphanTimeout, in milliseconds. */
  get orphanTimeout(): number {
    return this.#config.orphanTimeout;
  }

  /**
   * Queues `fn(...args)` (or, with `argc`, a chunk of calls laid out flat).
   *
   * @throws {TypeError} If `fn` cannot be sent.
   * @throws {QueueFullError} If maxQueue tasks wait for Redis already.
   */
  submit(
    fn: unknown,
    args: unknown[],
    options: TaskOptions,
    argc?: number,
  ): Future<unknown> {
    const described = describeTask(fn, "submit task");
    this.#outbox.admit();
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
    this.#outbox.count(record);
    onDone(future, () => this.#onSettled(record));
    this.#outbox.push(record);
    if (this.client.status === "ready") this.#kick();
    else this.#kickLater();
    return future;
  }

  /** Sends (or sends again) a record's XADD. */
  send(record: TaskRecord): void {
    void this.#xadd(record);
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

  /** Notes that a task started: the consumer group exists. */
  started(): void {
    this.#upkeep.groupSeen();
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
    if (this.#upkeep.everSet) {
      await Promise.allSettled([
        this.client.send(["DEL", this.#executorKey, this.resultsKey, this.#stopsKey]),
      ]);
    }
    await this.#reader.close();
    await this.client.close();
  }

  // What a task sets going. The liveness key is sent in the same tick as
  // the XADDs, so it reaches the server first.
  #kick(): void {
    this.#upkeep.start();
    this.#outbox.pump();
    this.#nodeWatch.start();
    this.#reader.start();
  }

  // Not connected yet: a burst of submits holds the event loop, and
  // connecting (or waiting for a connection) under it would count that time
  // against connectTimeout and offlineTimeout; so the first connection is
  // asked for once the loop is free again.
  #kickLater(): void {
    if (this.#kickQueued) return;
    this.#kickQueued = true;
    setTimeout(() => {
      this.#kickQueued = false;
      this.#kick();
    }, 0);
  }

  #xadd(record: TaskRecord): Promise<void> {
    const fields = record.fields!;
    return this.client.send(["XADD", this.keys.tasks, "*", ...fields]).then(
      (id) => this.#confirmed(record, id as string),
      (error: unknown) => {
        if (error instanceof RedisConnectionError && error.sent) {
          // It may or may not be in the stream: look for it once reconnected.
          record.after = this.#lastConfirmed;
          this.#recovery.findLater(record);
          return;
        }
        if (error instanceof RedisError && error.code === "OOM") error = outOfMemory(error);
        if (!record.future.done()) record.future.setException(error);
        // Unsent: no connection for offlineTimeout, or none at all; the
        // tasks behind it would only wait as long again.
        if (error instanceof RedisConnectionError) this.#outbox.failAll(error);
      },
    );
  }

  #confirmed(record: TaskRecord, entryId: string): void {
    this.#outbox.acknowledged(record);
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
    this.#outbox.acknowledged(record);
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

  #stopTimers(): void {
    this.#upkeep.stop();
    this.#nodeWatch.stop();
  }

  #isIdle(): boolean {
    return this.records.size === 0 && this.#ops === 0 && this.#cancels.length === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
