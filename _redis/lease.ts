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

import type { RedisClient } from "./client.ts";
import { Script } from "./scripts.ts";

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

/** A node's lease; see the module comment. */
export class Lease {
  readonly #client: RedisClient;
  readonly #key: string;
  readonly #ms: number;
  readonly #token = crypto.randomUUID();

  /** The lease at `key`, held `ms` milliseconds per renewal. */
  constructor(client: RedisClient, key: string, ms: number) {
    this.#client = client;
    this.#key = key;
    this.#ms = ms;
  }

  /**
   * Takes the lease if no live node holds it, after `settle` has dealt
   * with what a dead node of the same name left pending.
   *
   * @returns Whether it was free.
   */
  async take(settle: () => Promise<unknown>): Promise<boolean> {
    if (await this.#client.send(["EXISTS", this.#key]) === 1) return false;
    await settle();
    return await TAKE.run(this.#client, [this.#key], [this.#token, this.#ms, "nx"]) === 1;
  }

  /** Renews the lease; false once another node holds it. */
  async renew(): Promise<boolean> {
    return await TAKE.run(this.#client, [this.#key], [this.#token, this.#ms, ""]) === 1;
  }

  /** Gives the lease up, if it is still this node's. */
  async drop(): Promise<void> {
    await DROP.run(this.#client, [this.#key], [this.#token]);
  }
}
