// Copyright 2026 the @concurrent/futures authors. MIT license.
// A node's claim and start in one trip. The blocking XREADGROUP that claims
// new entries carries BEGIN pipelined behind it on the same connection:
// Redis runs a connection's commands in order, so the moment the read
// returns (an XADD woke it) the server runs BEGIN, in the same turn of its
// event loop, and both replies come back together. BEGIN starts what the
// read delivered, as START would (scripts.ts): the executor is told before
// the task runs, a stop marker or a silent executor drops it unrun. So an
// idle node's pick-up of a task costs the wake-up alone, where a read then
// a START cost the wake-up and a round trip.
//
// BEGIN finds what the read delivered as the entries pending under this
// node after the last one the node has seen (`after`): deliveries to `>`
// come in id order and a node's only reader is this connection. It takes
// the first of them, as many as the node has slots: the rest of a batch
// would wait for a slot anyway, and START costs the server less per entry
// (BEGIN reads each entry's fields: about 6-8 µs an entry against 1.5-2).
// It names each entry it decided; an entry the node was delivered without
// a verdict (beyond that count; BEGIN failed: NOSCRIPT after a server
// restart; or it was already in the started set after a reply was lost)
// goes through START, and a verdict for an entry the node was not
// delivered (a read whose reply was lost) makes the node read its own
// pending list again.

import { setTimeout } from "node:timers";
import type { RedisClient } from "./client.ts";
import type { TaskEntry } from "./entry.ts";
import { RedisConnectionError, RedisError } from "./errors.ts";
import {
  compareIds,
  executorKey,
  GROUP,
  type QueueKeys,
  resultsKey,
  startedKey,
  stopsKey,
} from "./layout.ts";
import type { Replicas } from "./replicas.ts";
import type { RespValue } from "./resp.ts";
import type { RedisArg } from "./resp_encode.ts";
import { Script, START } from "./scripts.ts";

const RETRY_MS = 1_000;

/**
 * A worker starts the entries a read just delivered to it: those pending
 * under it after `after`, at most `count`, not in its started set. Each
 * entry that names an executor and a seq (as parseEntry checks them) either
 * starts (1: in the started set, a "started" notice to its executor) or is
 * dropped (0: acknowledged, after a stop marker, or an orphan notice when
 * its executor has been silent past half its orphanTimeout), as START does.
 *
 * KEYS: tasks, the worker's started set. ARGV: group, worker, after,
 * count, key prefix. Returns (entry id, verdict) pairs.
 */
export const BEGIN = new Script(`
local tasks, mine = KEYS[1], KEYS[2]
local group, me, prefix = ARGV[1], ARGV[2], ARGV[5]
local out, dropped, execs, order, now = {}, {}, {}, {}, nil
local function digits(text, most)
  return text and #text <= most and string.find(text, '^%d+$') ~= nil
end
local ids = {}
for _, p in ipairs(redis.call('XPENDING', tasks, group, '(' .. ARGV[3], '+', ARGV[4], me)) do
  ids[#ids + 1] = p[1]
end
if #ids == 0 then return out end
local known = redis.call('SMISMEMBER', mine, unpack(ids))
-- One read delivers a run of the stream, so one XRANGE mostly reads them
-- all (an entry past its COUNT is read alone).
local read = {}
for _, entry in ipairs(redis.call('XRANGE', tasks, ids[1], ids[#ids], 'COUNT', 2 * #ids)) do
  read[entry[1]] = entry[2]
end
for at, id in ipairs(ids) do
  local list = known[at] == 0 and (read[id] or (redis.call('XRANGE', tasks, id, id)[1] or {})[2])
  local e, seq, ttl
  if list then
    for j = 1, #list, 2 do
      local name = list[j]
      if name == 'e' then e = list[j + 1] elseif name == 'i' then seq = list[j + 1]
      elseif name == 'o' then ttl = list[j + 1] end
    end
  end
  if e and #e == 16 and not string.find(e, '[^0-9a-f]') and digits(seq, 15) then
    if not (digits(ttl, 15) and tonumber(ttl) >= 1) then ttl = '60000' end
    local x = execs[e]
    if not x then
      x = {alive = redis.call('EXISTS', prefix .. 'executor:' .. e) == 1, ttl = ttl,
        stops = redis.call('EXISTS', prefix .. 'stops:' .. e) == 1,
        started = {}, ids = {}, orphaned = {}}
      execs[e] = x
      order[#order + 1] = e
    end
    if tonumber(ttl) > tonumber(x.ttl) then x.ttl = ttl end
    local verdict = 1
    if x.stops and redis.call('SREM', prefix .. 'stops:' .. e, seq) == 1 then
      verdict = 0
    elseif not x.alive then
      if not now then
        local t = redis.call('TIME')
        now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      end
      if now - tonumber(string.match(id, '^(%d+)')) >= tonumber(ttl) / 2 then
        verdict = 0
        x.orphaned[#x.orphaned + 1] = seq
      end
    end
    if verdict == 1 then
      x.started[#x.started + 1] = seq
      x.ids[#x.ids + 1] = id
    else
      dropped[#dropped + 1] = id
    end
    out[#out + 1] = id
    out[#out + 1] = verdict
  end
end
if #dropped > 0 then redis.call('XACK', tasks, group, unpack(dropped)) end
for _, e in ipairs(order) do
  local x, results = execs[e], prefix .. 'results:' .. e
  if #x.started > 0 then
    redis.call('SADD', mine, unpack(x.ids))
    redis.call('XADD', results, '*', 's', me, 'seqs', table.concat(x.started, ','))
  end
  if #x.orphaned > 0 then
    redis.call('XADD', results, '*', 'o', me, 'seqs', table.concat(x.orphaned, ','))
  end
  if #x.started > 0 or #x.orphaned > 0 then redis.call('PEXPIRE', results, x.ttl) end
end
return out
`);

/** A node's reads with BEGIN behind them; see the module comment. */
export class Claims {
  readonly #keys: QueueKeys;
  readonly #name: string;
  readonly #client: RedisClient;
  // The last entry id this node has seen delivered: a node starts with an
  // empty pending list (its lease is taken only after what an earlier node
  // of its name left is settled).
  #after = "0-0";
  #loading: Promise<void> | undefined;

  /** The claims of worker `name` on the queue of `keys`; `client` loads BEGIN. */
  constructor(keys: QueueKeys, name: string, client: RedisClient) {
    this.#keys = keys;
    this.#name = name;
    this.#client = client;
  }

  /** A blocking read of up to `count` new entries, for `block` ms. */
  read(count: number, block: number): RedisArg[] {
    const { tasks } = this.#keys;
    const name = this.#name;
    return [
      "XREADGROUP",
      "GROUP",
      GROUP,
      name,
      "COUNT",
      count,
      "BLOCK",
      block,
      "STREAMS",
      tasks,
      ">",
    ];
  }

  /** The BEGIN to pipeline behind a read, for at most `count` of its entries. */
  begin(count: number): RedisArg[] {
    const keys = [this.#keys.tasks, startedKey(this.#keys, this.#name)];
    return BEGIN.command(keys, [GROUP, this.#name, this.#after, count, this.#keys.prefix]);
  }

  /** Notes entries delivered to this node, by any read. */
  seen(ids: readonly string[]): void {
    for (const id of ids) if (compareIds(id, this.#after) > 0) this.#after = id;
  }

  /**
   * BEGIN's verdicts by entry id (1: run, 0: dropped), or none when it
   * failed; a server that does not know it yet is taught it for the next
   * read.
   */
  verdicts(reply: RespValue | Error): Map<string, number> | undefined {
    if (reply instanceof Error) {
      if (reply instanceof RedisError && reply.code === "NOSCRIPT") this.#load();
      return undefined;
    }
    const pairs = reply as (string | number)[];
    const verdicts = new Map<string, number>();
    for (let at = 0; at + 1 < pairs.length; at += 2) {
      verdicts.set(String(pairs[at]), Number(pairs[at + 1]));
    }
    return verdicts;
  }

  /**
   * START (scripts.ts) for entries of one executor that BEGIN gave no
   * verdict: 1 (run) or 0 (not this node's, or dropped) per entry, once
   * the replicas have the claim; none when the server lost the group.
   * Safe to send again after a lost reply: a task already settled is no
   * longer owned, so it is not started twice.
   */
  async start(
    exec: string,
    entries: readonly TaskEntry[],
    replicas: Replicas,
  ): Promise<number[] | undefined> {
    // Delivered in id order, except after a recovery read.
    let first = entries[0]!.id, last = first;
    for (const { id } of entries) {
      if (compareIds(id, first) < 0) first = id;
      if (compareIds(id, last) > 0) last = id;
    }
    const args: RedisArg[] = [GROUP, this.#name, entries[0]!.orphanTimeout, first, last];
    for (const entry of entries) args.push(entry.id, entry.seq, entry.addedAt);
    const keys = this.#keys;
    const scriptKeys = [
      keys.tasks,
      resultsKey(keys, exec),
      executorKey(keys, exec),
      stopsKey(keys, exec),
      startedKey(keys, this.#name),
    ];
    for (;;) {
      try {
        const verdicts = await START.run(this.#client, scriptKeys, args) as number[];
        // Run only what a promoted replica would know was claimed.
        await replicas.wait();
        return verdicts;
      } catch (error) {
        if (error instanceof RedisConnectionError) {
          if (!error.sent) await delay(RETRY_MS);
          continue;
        }
        // NOGROUP: the server lost the tasks; their executor fails them.
        if (error instanceof RedisError && error.code === "NOGROUP") return undefined;
        // Any other refusal (READONLY from a replica not promoted yet, say)
        // leaves the entries claimed by this live node, where no sweep
        // would find them: ask again.
        console.error(`concurrent-futures worker ${this.#name}: cannot start tasks: ${error}`);
        await delay(RETRY_MS);
      }
    }
  }

  // Offline or refused: the next NOSCRIPT asks again.
  #load(): void {
    this.#loading ??= BEGIN.load(this.#client).catch(() => {}).finally(() => {
      this.#loading = undefined;
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
