// Copyright 2026 the @concurrent/futures authors. MIT license.
// A worker node's lease: one name, one node.
//
// The name is the node's consumer in the group, so two live nodes with one
// name would share one pending list: each would take the other's entries
// for its own after a lost read and run them again, and one would keep the
// other's lease alive after it died, so its tasks never failed. So the
// lease holds a random token. A node takes it only when it is free (after
// settling what an earlier node of that name left, as a sweep would), and
// renews it only while it still holds its own token; a node that finds
// another token there has been replaced (its lease lapsed and a new node
// took the name), and stops claiming.
//
// The lease is renewed every third of its length, and every half (with
// jitter, so that nodes started together do not sweep in step) the node
// sweeps for nodes whose lease lapsed (scripts.ts SWEEP).

import { clearInterval, setInterval } from "node:timers";
import type { RedisClient } from "./client.ts";
import { GROUP, type QueueKeys, workerKey } from "./layout.ts";
import { Script, SWEEP } from "./scripts.ts";

/**
 * Another live worker node serves the queue under this name; give each
 * node its own (or none: the default is unique).
 *
 * @example
 * ```ts
 * import { WorkerNameError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new WorkerNameError("node-1", "jobs", "start");
 * assert.equal(error.workerName, "node-1");
 * ```
 */
export class WorkerNameError extends Error {
  /** The name in dispute. */
  readonly workerName: string;

  /**
   * Makes the error.
   *
   * @param name The worker's name.
   * @param queue The queue.
   * @param when `start` (refused at start) or `renew` (taken over while serving).
   */
  constructor(name: string, queue: string, when: "start" | "renew") {
    super(
      when === "start"
        ? `Cannot serve queue ${queue} as worker ${name}: a live node already uses that name (its lease is held); give each node a unique name`
        : `Cannot go on serving queue ${queue} as worker ${name}: another node has taken that name (this node's lease had lapsed); stopped claiming tasks`,
    );
    this.name = "WorkerNameError";
    this.workerName = name;
  }
}

// 1 when the key held this token (or nothing) and is set again; 0 when
// another token holds it. With NX, only a free key is taken.
const TAKE = new Script(`
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
if ARGV[3] == 'nx' and held then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

const DROP = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** A node's lease, and its sweeps; see the module comment. */
export class Lease {
  readonly #client: RedisClient;
  readonly #keys: QueueKeys;
  readonly #name: string;
  readonly #queue: string;
  readonly #key: string;
  readonly #ms: number;
  readonly #token = crypto.randomUUID();
  #timers: ReturnType<typeof setInterval>[] = [];

  /** The lease of node `name` on `queue`, held `ms` milliseconds per renewal. */
  constructor(client: RedisClient, keys: QueueKeys, name: string, queue: string, ms: number) {
    this.#client = client;
    this.#keys = keys;
    this.#name = name;
    this.#queue = queue;
    this.#key = workerKey(keys, name);
    this.#ms = ms;
  }

  /**
   * Takes the lease. What a dead node of this name left pending is settled
   * first, as any sweep would once its lease lapsed: a lease held again
   * would hide it from the sweeps.
   *
   * @throws {WorkerNameError} If a live node holds it.
   */
  async take(): Promise<void> {
    const taken = new WorkerNameError(this.#name, this.#queue, "start");
    if (await this.#client.send(["EXISTS", this.#key]) === 1) throw taken;
    while (await this.#sweep() as number > 0) {
      // Each pass settles up to 100 entries per dead node.
    }
    const args = [this.#token, this.#ms, "nx"];
    if (await TAKE.run(this.#client, [this.#key], args) !== 1) throw taken;
  }

  /**
   * Renews the lease and sweeps, until `stop()`. `replaced` is told once
   * another node holds the lease.
   */
  start(replaced: (error: WorkerNameError) => void): void {
    const renew = setInterval(() => {
      // Renewed even past maxmemory (scripts run allow-oom): a live node
      // must not look lost.
      TAKE.run(this.#client, [this.#key], [this.#token, this.#ms, ""]).then((held) => {
        if (held !== 1) replaced(new WorkerNameError(this.#name, this.#queue, "renew"));
      }, () => {
        // Offline: the next renewal tries again.
      });
    }, this.#ms / 3);
    const sweep = setInterval(() => {
      this.#sweep().catch(() => {});
    }, this.#ms / 2 * (0.75 + Math.random() / 2));
    renew.unref();
    sweep.unref();
    this.#timers.push(renew, sweep);
  }

  /** Stops renewing and sweeping. */
  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  /** Gives the lease up, if it is still this node's. */
  async drop(): Promise<void> {
    await DROP.run(this.#client, [this.#key], [this.#token]);
  }

  #sweep(): Promise<unknown> {
    return SWEEP.run(this.#client, [this.#keys.tasks], [GROUP, this.#keys.prefix, 100]);
  }
}
