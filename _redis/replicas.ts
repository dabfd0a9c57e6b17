// Copyright 2026 the @concurrent/futures authors. MIT license.
// Writes that must survive a failover: a node runs a task only once its
// claim is on the replicas, and forgets a task only once its finish is.
//
// Redis replicates asynchronously: a primary that dies takes its last
// writes with it, and a promoted replica that never saw a claim hands the
// task out again, though it already runs. WAIT makes the node hold on until
// `replicas` replicas have every write made so far (the replication stream
// is one sequence, so this also covers the claim its blocking connection
// made). A WAIT that times out is asked again, with the count read again in
// "auto" mode (a replica that went away no longer counts); a connection
// lost under it is the caller's to retry (START and FINISH are safe to run
// again, and tell whether the new primary still has the claim).

import type { RedisClient } from "./client.ts";

const WAIT_MS = 1_000;
// How long a count read in "auto" mode is trusted.
const RECOUNT_MS = 5_000;

/** How many replicas must have a write: a number, or what the primary reports. */
export type ReplicaCount = number | "auto";

/** Waits for the replicas; see the module comment. */
export class Replicas {
  readonly #client: RedisClient;
  readonly #mode: ReplicaCount;
  #count = 0;
  #countedAt = -Infinity;

  /** Waits for `mode` replicas of the server `client` talks to. */
  constructor(client: RedisClient, mode: ReplicaCount) {
    this.#client = client;
    this.#mode = mode;
  }

  /**
   * Resolves once the replicas have every write made so far by this client,
   * or by the connection `via` sends on (WAIT counts a connection's own
   * writes, and every write before them).
   *
   * @throws {RedisConnectionError} If the connection was lost meanwhile.
   */
  async wait(via: Pick<RedisClient, "send"> = this.#client): Promise<void> {
    for (let stale = false;; stale = true) {
      const count = await this.#wanted(stale);
      if (count === 0) return;
      const acked = await via.send(["WAIT", count, WAIT_MS]) as number;
      if (acked >= count) return;
    }
  }

  async #wanted(stale: boolean): Promise<number> {
    if (this.#mode !== "auto") return this.#mode;
    if (stale || performance.now() - this.#countedAt > RECOUNT_MS) {
      const info = String(await this.#client.send(["INFO", "replication"]));
      this.#count = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
      this.#countedAt = performance.now();
    }
    return this.#count;
  }
}
