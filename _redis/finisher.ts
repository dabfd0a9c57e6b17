// Copyright 2026 the @concurrent/futures authors. MIT license.
// A worker node's outgoing results: one FINISH script per executor at a
// time, which delivers the outcomes of the tasks the node still owns and
// acknowledges and deletes their entries, atomically. Outcomes that come
// while one is on its way wait for it and go together in the next: no delay
// when tasks are rare, batches when they are many.
//
// FINISH is safe to run twice (a task already finished is no longer owned),
// so a reply lost with the connection is simply sent again. A server that
// lost the consumer group has lost the tasks too: their outcomes are
// dropped (their executors fail them as lost).

import { setTimeout } from "node:timers";
import type { RedisClient } from "./client.ts";
import type { TaskEntry } from "./entry.ts";
import { RedisConnectionError, RedisError } from "./errors.ts";
import { compareIds, GROUP, type QueueKeys, resultsKey, startedKey, stopsKey } from "./layout.ts";
import type { RedisArg } from "./resp_encode.ts";
import { FINISH } from "./scripts.ts";

// Tasks per script call: keeps the script's argument list (and its unpack)
// well inside Lua's limits.
const BATCH = 300;
// How long to wait before trying again when Redis cannot be reached.
const RETRY_MS = 1_000;

interface Outgoing {
  entry: TaskEntry;
  payload: Uint8Array | string;
}

/** Delivers a worker node's outcomes; see the module comment. */
export class Finisher {
  readonly #client: RedisClient;
  readonly #keys: QueueKeys;
  readonly #worker: string;
  readonly #delivered: (entries: TaskEntry[]) => void;
  readonly #replicated: () => Promise<void>;
  // Outcomes waiting, by executor; an executor with a FINISH on its way is
  // in #sending.
  readonly #queue = new Map<string, Outgoing[]>();
  readonly #sending = new Set<string>();

  /**
   * Makes the finisher of worker `worker`. `delivered` is told when tasks
   * are settled in Redis (delivered, or no longer this node's), once
   * `replicated` has resolved after their FINISH (replicas.ts).
   */
  constructor(
    client: RedisClient,
    keys: QueueKeys,
    worker: string,
    delivered: (entries: TaskEntry[]) => void,
    replicated: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#client = client;
    this.#keys = keys;
    this.#worker = worker;
    this.#delivered = delivered;
    this.#replicated = replicated;
  }

  /** Queues a task's outcome; it goes out with the others of this tick. */
  finish(entry: TaskEntry, payload: Uint8Array | string): void {
    const list = this.#queue.get(entry.exec);
    if (list) {
      list.push({ entry, payload });
      return;
    }
    this.#queue.set(entry.exec, [{ entry, payload }]);
    if (!this.#sending.has(entry.exec)) queueMicrotask(() => this.#flush(entry.exec));
  }

  #flush(exec: string): void {
    const list = this.#queue.get(exec);
    if (list === undefined || this.#sending.has(exec)) return;
    const batch = list.splice(0, BATCH);
    if (list.length === 0) this.#queue.delete(exec);
    this.#sending.add(exec);
    void this.#send(exec, batch).finally(() => {
      this.#sending.delete(exec);
      this.#flush(exec);
    });
  }

  async #send(exec: string, batch: Outgoing[]): Promise<void> {
    let first = batch[0]!.entry.id, last = first;
    for (const { entry } of batch) {
      if (compareIds(entry.id, first) < 0) first = entry.id;
      if (compareIds(entry.id, last) > 0) last = entry.id;
    }
    const args: RedisArg[] = [GROUP, this.#worker, batch[0]!.entry.orphanTimeout, first, last];
    for (const { entry, payload } of batch) args.push(entry.id, entry.seq, payload);
    const keys = [
      this.#keys.tasks,
      resultsKey(this.#keys, exec),
      stopsKey(this.#keys, exec),
      startedKey(this.#keys, this.#worker),
    ];
    for (;;) {
      try {
        await FINISH.run(this.#client, keys, args);
        // Not forgotten here before a promoted replica would know it is done.
        await this.#replicated();
        break;
      } catch (error) {
        if (error instanceof RedisConnectionError) {
          // Unanswered (sent) or unsent: either way, sending it again is safe.
          if (!error.sent) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        if (error instanceof RedisError && error.code === "NOGROUP") break;
        // Any other refusal leaves the tasks claimed by this live node,
        // where no sweep would settle them: say so, and try again.
        console.error(
          `concurrent-futures worker ${this.#worker}: cannot deliver ${batch.length} results: ${error}`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    this.#delivered(batch.map((item) => item.entry));
  }
}
