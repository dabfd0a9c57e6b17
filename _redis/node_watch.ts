// Copyright 2026 the @concurrent/futures authors. MIT license.
// "Is anyone serving this queue?" A newcomer who starts an executor and no
// worker node sees futures that never settle and nothing else. So while an
// executor has tasks waiting, it asks now and then how many nodes of its
// queue hold a live lease; after `noNodesTimeout` with none, it fires
// `nonodes` (once per such stretch) and says so once on stderr.

import { clearInterval, setInterval } from "node:timers";
import type { RedisClient } from "./client.ts";
import { GROUP, type QueueKeys } from "./layout.ts";
import { Script } from "./scripts.ts";

/**
 * The events a {@linkcode RedisExecutor} fires, by type:
 *
 * - `nonodes`: tasks have waited `noNodesTimeout` with no live worker node
 *   serving the queue; `detail.queued` is how many tasks wait, and
 *   `detail.waited` for how many milliseconds no node was seen. Fired once
 *   per such stretch.
 *
 * @example Alert when nobody serves the queue
 * ```ts ignore
 * import { RedisExecutor } from "@concurrent/futures/redis";
 *
 * await using executor = new RedisExecutor({ queue: "jobs", warnNoNodes: false });
 * executor.addEventListener("nonodes", (event) => {
 *   console.warn(`${event.detail.queued} tasks wait for a worker node`);
 * });
 * ```
 */
export interface RedisExecutorEventMap {
  /** Tasks wait and no live worker node serves the queue. */
  nonodes: CustomEvent<{ readonly queued: number; readonly waited: number }>;
}

// How many consumers of the group hold a live lease (0 without a group).
const LIVE_NODES = new Script(`
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if type(consumers) ~= 'table' or consumers.err then return 0 end
local live = 0
for _, c in ipairs(consumers) do
  for j = 1, #c, 2 do
    if c[j] == 'name' and redis.call('EXISTS', ARGV[2] .. 'worker:' .. c[j + 1]) == 1 then
      live = live + 1
    end
  end
end
return live
`);

/** What a NodeWatch needs to know and tell. */
export interface NodeWatchOptions {
  readonly queue: string;
  /** Milliseconds without a live node before telling. */
  readonly after: number;
  /** Whether to say it on stderr (once per executor). */
  readonly warn: boolean;
  /** How many tasks wait now. */
  readonly queued: () => number;
  /** Fires the event. */
  readonly emit: (detail: { queued: number; waited: number }) => void;
}

/** Watches for live nodes while tasks wait; see the module comment. */
export class NodeWatch {
  readonly #client: RedisClient;
  readonly #keys: QueueKeys;
  readonly #options: NodeWatchOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #since: number | undefined;
  #fired = false;
  #warned = false;

  /** Makes the watch; `start()` runs it. */
  constructor(client: RedisClient, keys: QueueKeys, options: NodeWatchOptions) {
    this.#client = client;
    this.#keys = keys;
    this.#options = options;
  }

  /** Watches, unless it does already. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#check(), Math.max(10, this.#options.after / 4));
    this.#timer.unref();
  }

  /** Stops watching: nothing waits any more. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = this.#since = undefined;
    this.#fired = false;
  }

  #check(): void {
    LIVE_NODES.run(this.#client, [this.#keys.tasks], [GROUP, this.#keys.prefix]).then(
      (live) => {
        if (this.#timer === undefined) return;
        if (live !== 0) {
          this.#since = undefined;
          this.#fired = false;
          return;
        }
        const now = performance.now();
        this.#since ??= now;
        if (this.#fired || now - this.#since < this.#options.after) return;
        this.#fired = true;
        this.#tell(now - this.#since);
      },
      () => {
        // Offline, or not allowed to ask (ACL): nothing to tell.
      },
    );
  }

  #tell(waited: number): void {
    const { queue, queued, emit, warn } = this.#options;
    const count = queued();
    emit({ queued: count, waited });
    if (!warn || this.#warned) return;
    this.#warned = true;
    console.error(
      `concurrent-futures: ${count} tasks wait on queue ${queue} and no worker node has served it for ${
        Math.round(waited / 1000)
      } s; start one (redis_worker.ts --queue ${queue} --allow <module prefix>), or pass warnNoNodes: false to silence this`,
    );
  }
}
