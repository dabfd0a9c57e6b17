// Copyright 2026 the @concurrent/futures authors. MIT license.
// How the queue lives with Redis's memory limit.
//
// A queue is data, not a cache: a server allowed to evict keys under
// pressure (any maxmemory-policy but noeviction) drops task entries, result
// streams and leases, which is tasks lost without a trace. So executors
// and nodes read the policy at their first connection and refuse any other
// unless told, dangerously, to go on.
//
// With noeviction, a server past maxmemory refuses writes that may grow
// memory (OOM). A new task's XADD is one of them, and fails that task. But
// the writes that keep the queue alive (a lease renewed, an executor's
// liveness key, a result delivered, a claim, a sweep) go as scripts flagged
// allow-oom (scripts.ts): they are small, most of them free memory (a
// finished task's entry goes), and refusing them would make a live node
// look lost and stall every task it holds.

import type { RedisClient } from "./client.ts";
import { GROUP } from "./layout.ts";
import { RedisError } from "./errors.ts";
import { Script } from "./scripts.ts";

/**
 * The Redis server evicts keys under memory pressure (its
 * `maxmemory-policy` is not `noeviction`), which would lose queued tasks
 * and results; see `dangerouslyAllowEviction`.
 *
 * @example Tell a server set up as a cache from other failures
 * ```ts
 * import { EvictionPolicyError } from "@concurrent/futures/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new EvictionPolicyError("allkeys-lru", "127.0.0.1:6379");
 * assert.equal(error.policy, "allkeys-lru");
 * assert.equal(error.name, "EvictionPolicyError");
 * ```
 */
export class EvictionPolicyError extends Error {
  /** The server's `maxmemory-policy`, such as `allkeys-lru`. */
  readonly policy: string;

  /**
   * Makes the error.
   *
   * @param policy The server's `maxmemory-policy`.
   * @param address Where the server is (`host:port` or a socket path).
   */
  constructor(policy: string, address: string) {
    super(
      `Cannot use Redis at ${address} for a task queue: its maxmemory-policy is ${policy}, which lets it evict queued tasks and results; set it to noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf), or pass dangerouslyAllowEviction: true to accept losing tasks`,
    );
    this.name = "EvictionPolicyError";
    this.policy = policy;
  }
}

let warnedUnreadable = false;
let warnedEviction = false;

/**
 * Reads the server's `maxmemory-policy` and accepts only `noeviction`.
 * A user whose ACL refuses `CONFIG GET` cannot tell: one warning per
 * process, and on. `allow` turns a refusal into one warning per process.
 *
 * @throws {EvictionPolicyError} If the server may evict and `allow` is false.
 * @throws {RedisConnectionError} If Redis cannot be reached.
 */
export async function checkEvictionPolicy(client: RedisClient, allow: boolean): Promise<void> {
  let reply;
  try {
    reply = await client.send(["CONFIG", "GET", "maxmemory-policy"]);
  } catch (error) {
    if (!(error instanceof RedisError)) throw error;
    if (!warnedUnreadable) {
      warnedUnreadable = true;
      console.error(
        `concurrent-futures: cannot read maxmemory-policy of Redis at ${client.address} (${error.code}: CONFIG GET refused); make sure it is noeviction, or grant +config|get to tell`,
      );
    }
    return;
  }
  // RESP2 answers a flat [name, value] list; RESP3 a map.
  const policy = reply instanceof Map
    ? String(reply.get("maxmemory-policy"))
    : String((reply as unknown[])[1]);
  if (policy === "noeviction") return;
  if (!allow) throw new EvictionPolicyError(policy, client.address);
  if (warnedEviction) return;
  warnedEviction = true;
  console.error(
    `concurrent-futures: DANGER: Redis at ${client.address} has maxmemory-policy ${policy}: under memory pressure it evicts queued tasks and results (their futures then fail with TaskLostError); going on because dangerouslyAllowEviction is set`,
  );
}

// SET … GET, flagged allow-oom by Script: a liveness key is renewed even
// when the server refuses other writes for lack of memory.
const RENEW = new Script(`return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')`);

/**
 * Sets a liveness key (a node's lease, an executor's presence) for `ms`
 * milliseconds, even past maxmemory.
 *
 * @returns The key's previous value, or null if it was gone.
 */
export async function renew(
  client: RedisClient,
  key: string,
  value: string,
  ms: number,
): Promise<string | null> {
  return await RENEW.run(client, [key], [value, ms]) as string | null;
}

/**
 * The error a task gets when Redis refused its XADD for lack of memory.
 */
export function outOfMemory(cause: RedisError): RedisError {
  return new RedisError(
    "OOM Cannot queue task: Redis is out of memory (used memory is above maxmemory), so the task was not queued; raise maxmemory, or submit less at once",
    { cause },
  );
}

// XGROUP CREATE is refused past maxmemory even when the group exists (the
// memory check comes before the command runs), which kept a node from
// starting on a full server. As a script flagged allow-oom it runs: a
// group is a few bytes, and without one no task could ever finish.
const CREATE_GROUP = new Script(`
local made = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(made) == 'table' and made.err and string.sub(made.err, 1, 9) ~= 'BUSYGROUP' then
  return made
end
return 'OK'
`);

/** Creates the task stream and its consumer group unless they exist, even past maxmemory. */
export async function ensureGroup(client: RedisClient, tasks: string): Promise<void> {
  await CREATE_GROUP.run(client, [tasks], [GROUP]);
}
