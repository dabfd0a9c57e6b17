// Copyright 2026 the @concurrent/futures authors. MIT license.
// The Lua scripts: every step where two parties could race (a worker
// finishing while a sweeper takes its tasks, a cancel meeting a claim) runs
// as one script, which Redis runs atomically. Key layout: layout.ts.
//
// Each script is sent by its SHA1 (EVALSHA) and by its source only when the
// server does not know it yet (NOSCRIPT: first use, or a restarted server).
//
// Every script is flagged allow-oom: past maxmemory the server still runs
// it, so claims, results, sweeps and leases go on when new tasks are
// refused (memory.ts says why).

import { createHash } from "node:crypto";
import type { RedisClient, SendOptions } from "./client.ts";
import { RedisError } from "./errors.ts";
import type { RespValue } from "./resp.ts";
import type { RedisArg } from "./resp_encode.ts";

/** A Lua script, run by hash with a fallback to its source. */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  /** Makes the script from its Lua source. */
  constructor(source: string) {
    this.#source = `#!lua flags=allow-oom\n${source}`;
    this.#sha = createHash("sha1").update(this.#source).digest("hex");
  }

  /** The script's SHA1, as SCRIPT EXISTS knows it. */
  get sha(): string {
    return this.#sha;
  }

  /**
   * The EVALSHA command that runs the script, to send as part of a pipeline
   * (it fails with NOSCRIPT until the server knows it: see `load`).
   */
  command(keys: readonly RedisArg[], args: readonly RedisArg[]): RedisArg[] {
    return ["EVALSHA", this.#sha, keys.length, ...keys, ...args];
  }

  /** Makes the server know the script, for `command`'s EVALSHA. */
  async load(client: RedisClient): Promise<void> {
    await client.send(["SCRIPT", "LOAD", this.#source]);
  }

  /** Runs the script with `keys` and `args`. */
  async run(
    client: RedisClient,
    keys: readonly RedisArg[],
    args: readonly RedisArg[],
    options?: SendOptions,
  ): Promise<RespValue> {
    try {
      return await client.send(["EVALSHA", this.#sha, keys.length, ...keys, ...args], options);
    } catch (error) {
      if (!(error instanceof RedisError && error.code === "NOSCRIPT")) throw error;
      return await client.send(["EVAL", this.#source, keys.length, ...keys, ...args], options);
    }
  }
}

// Whether stream id a comes before stream id b.
const BEFORE = `
local function before(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, bm = tonumber(am), tonumber(bm)
  return am < bm or (am == bm and tonumber(as) < tonumber(bs))
end
`;

// Reads a task entry's fields into a table; shared by the scripts below.
const FIELDS = `
local function fields(list)
  local f = {}
  for j = 1, #list, 2 do f[list[j]] = list[j + 1] end
  return f
end
`;

// What START and FINISH need of each task, in one call per batch rather
// than per task (Lua's per-call overhead was most of their cost): which
// entries between two ids are still pending for this worker, and which
// seqs have a stop marker (removed as they are read).
const BATCH = `
local function owned(tasks, group, me, first, last)
  local set = {}
  for _, p in ipairs(redis.call('XPENDING', tasks, group, first, last, 100000, me)) do
    set[p[1]] = true
  end
  return set
end
local function stopped(stops, seqs)
  local set = {}
  if #seqs == 0 or redis.call('EXISTS', stops) == 0 then return set end
  local hits = {}
  for i, member in ipairs(redis.call('SMISMEMBER', stops, unpack(seqs))) do
    if member == 1 then
      set[seqs[i]] = true
      hits[#hits + 1] = seqs[i]
    end
  end
  if #hits > 0 then redis.call('SREM', stops, unpack(hits)) end
  return set
end
`;

/**
 * A worker starts tasks it was delivered, all of one executor. Each still
 * owned by it either starts (the executor is told, before the task runs, so
 * a future never lags behind a running task) or is dropped: when a stop
 * marker says its executor gave up on it, or when the executor has been
 * silent for longer than its orphanTimeout (its key is gone and the entry
 * is older than half that; a young entry means the executor is alive and
 * has not written its key again yet after a server restart).
 *
 * The ids it starts go in the worker's started set, so that a sweep can
 * tell a task that never started (and may go to another worker whatever
 * its retries) from one that did.
 *
 * KEYS: tasks, results, executor key, stops, the worker's started set.
 * ARGV: group, worker, orphanTimeout, first and last entry id, then
 * (entry id, seq, added-at ms) triples. Returns 1 (start) or 0 (do not) per
 * task.
 */
export const START = new Script(
  BATCH + `
local tasks, results = KEYS[1], KEYS[2]
local group, me, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local mine = owned(tasks, group, me, ARGV[4], ARGV[5])
local seqs = {}
for i = 6, #ARGV, 3 do seqs[#seqs + 1] = ARGV[i + 1] end
local stop = stopped(KEYS[4], seqs)
local alive = redis.call('EXISTS', KEYS[3]) == 1
local now = 0
if not alive then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local out, started, orphaned, dropped, ids = {}, {}, {}, {}, {}
for i = 6, #ARGV, 3 do
  local id, seq = ARGV[i], ARGV[i + 1]
  if not mine[id] then
    out[#out + 1] = 0
  elseif stop[seq] or (not alive and now - tonumber(ARGV[i + 2]) >= ttl / 2) then
    out[#out + 1] = 0
    dropped[#dropped + 1] = id
    if not stop[seq] then orphaned[#orphaned + 1] = seq end
  else
    out[#out + 1] = 1
    started[#started + 1] = seq
    ids[#ids + 1] = id
  end
end
if #dropped > 0 then redis.call('XACK', tasks, group, unpack(dropped)) end
if #started > 0 then
  redis.call('SADD', KEYS[5], unpack(ids))
  redis.call('XADD', results, '*', 's', me, 'seqs', table.concat(started, ','))
end
if #orphaned > 0 then
  redis.call('XADD', results, '*', 'o', me, 'seqs', table.concat(orphaned, ','))
end
if #started > 0 or #orphaned > 0 then redis.call('PEXPIRE', results, ttl) end
return out
`,
);

/**
 * A worker delivers results. For each task it still owns (the entry is in
 * the group's pending list under its name: a sweeper may have taken it), it
 * acknowledges the entry; the result goes to the executor's results stream
 * unless a stop marker says to discard it. Acknowledged entries are trimmed
 * later, in bulk, by SWEEP: deleting each one costs the server more than
 * the rest of its round trip.
 *
 * KEYS: tasks, results, stops, the worker's started set. ARGV: group,
 * worker, ttl, first and last entry id, then (entry id, seq, payload)
 * triples. Returns how many tasks it still owned.
 */
export const FINISH = new Script(
  BATCH + `
local tasks, group, me = KEYS[1], ARGV[1], ARGV[2]
local mine = owned(tasks, group, me, ARGV[4], ARGV[5])
local seqs, acked = {}, {}
for i = 6, #ARGV, 3 do
  if mine[ARGV[i]] then
    acked[#acked + 1] = ARGV[i]
    seqs[#seqs + 1] = ARGV[i + 1]
  end
end
local stop = stopped(KEYS[3], seqs)
local out = {'r', me}
for i = 6, #ARGV, 3 do
  if mine[ARGV[i]] and not stop[ARGV[i + 1]] then
    out[#out + 1] = ARGV[i + 1]
    out[#out + 1] = ARGV[i + 2]
  end
end
if #acked > 0 then
  redis.call('XACK', tasks, group, unpack(acked))
  redis.call('SREM', KEYS[4], unpack(acked))
end
if #out > 2 then
  redis.call('XADD', KEYS[2], '*', unpack(out))
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return #acked
`,
);

/**
 * Anyone (a worker node or an executor) looks for workers whose lease key
 * has expired and settles the tasks they held: a task with a stop marker is
 * dropped; one the worker never started (not in its started set), or with
 * runs left (`r` ≥ attempt `n`), is queued again as a new entry (its
 * executor is told the new id; a run that never started does not count);
 * the rest are reported lost. A dead worker with nothing left pending is
 * removed from the group, and its started set deleted.
 *
 * Then it trims the stream below the oldest entry still to be settled:
 * entries are delivered in id order, so everything before both the group's
 * last delivered entry and its oldest pending one is finished.
 *
 * KEYS: tasks. ARGV: group, key prefix, most entries per dead worker.
 * Returns how many entries it settled.
 */
export const SWEEP = new Script(
  FIELDS + BEFORE + `
local tasks, group, prefix, max = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local swept = 0
for _, consumer in ipairs(redis.call('XPENDING', tasks, group)[4] or {}) do
  local name = consumer[1]
  if redis.call('EXISTS', prefix .. 'worker:' .. name) == 0 then
    local started = prefix .. 'started:' .. name
    local pending = redis.call('XPENDING', tasks, group, '-', '+', max, name)
    for _, p in ipairs(pending) do
      local id = p[1]
      local ran = redis.call('SISMEMBER', started, id) == 1
      local entry = redis.call('XRANGE', tasks, id, id)[1]
      redis.call('XACK', tasks, group, id)
      redis.call('XDEL', tasks, id)
      swept = swept + 1
      local f = entry and fields(entry[2]) or {}
      if f.e and f.i then
        local results = prefix .. 'results:' .. f.e
        local attempt = tonumber(f.n) or 1
        if redis.call('SREM', prefix .. 'stops:' .. f.e, f.i) == 0 then
          if not ran or attempt <= (tonumber(f.r) or 0) then
            if ran then attempt = attempt + 1 end
            local copy = {}
            for j = 1, #entry[2], 2 do
              if entry[2][j] ~= 'n' then
                copy[#copy + 1] = entry[2][j]
                copy[#copy + 1] = entry[2][j + 1]
              end
            end
            copy[#copy + 1] = 'n'
            copy[#copy + 1] = tostring(attempt)
            local moved = redis.call('XADD', tasks, '*', unpack(copy))
            redis.call('XADD', results, '*', 'm', name, f.i, moved)
          else
            redis.call('XADD', results, '*', 'l', name, f.i, '')
          end
          redis.call('PEXPIRE', results, tonumber(f.o) or 60000)
        end
      end
    end
    if #pending < max then
      redis.call('XGROUP', 'DELCONSUMER', tasks, group, name)
      redis.call('DEL', started)
    end
  end
end
local floor
for _, info in ipairs(redis.call('XINFO', 'GROUPS', tasks)) do
  local g = fields(info)
  if g.name == group then floor = g['last-delivered-id'] end
end
local oldest = redis.call('XPENDING', tasks, group)[2]
if oldest and before(oldest, floor) then floor = oldest end
if floor then redis.call('XTRIM', tasks, 'MINID', floor) end
return swept
`,
);

/**
 * An executor cancels tasks. A task whose entry is still undelivered is
 * deleted: no worker will ever see it (0). A task a worker has claimed (1),
 * or whose entry is gone (2: finished, or queued again after its worker was
 * lost), gets a stop marker, so its result is discarded.
 *
 * KEYS: tasks, stops. ARGV: group, ttl, then (entry id, seq) pairs.
 * Returns one code per pair.
 */
export const CANCEL = new Script(`
local out, marked = {}, false
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  local pending = redis.pcall('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  local claimed = type(pending) == 'table' and pending[1] ~= nil
  if not claimed and redis.call('XDEL', KEYS[1], id) == 1 then
    out[#out + 1] = 0
  else
    redis.call('SADD', KEYS[2], ARGV[i + 1])
    marked = true
    out[#out + 1] = claimed and 1 or 2
  end
end
if marked then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return out
`);

/**
 * After the server may have lost data, an executor asks which of its task
 * entries still exist, together with where its results stream ends now, so
 * it can first read every result written before this moment.
 *
 * KEYS: tasks, results. ARGV: entry ids. Returns the last result id (or
 * "0-0"), then the 1-based positions of the ids that are gone.
 */
export const RECONCILE = new Script(`
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local out = {last and last[1] or '0-0'}
for i, id in ipairs(ARGV) do
  if #redis.call('XRANGE', KEYS[1], id, id) == 0 then out[#out + 1] = i end
end
return out
`);

/**
 * After a connection dropped under XADDs whose replies never came, an
 * executor looks for those entries among the entries added after its last
 * confirmed one, together with where its results stream ends now.
 *
 * KEYS: tasks, results. ARGV: executor id, the last confirmed entry id,
 * then seqs. Returns the last result id, then each seq's entry id or "".
 */
export const FIND = new Script(
  FIELDS + `
local want = {}
for i = 3, #ARGV do want[ARGV[i]] = i - 2 end
local found = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+')) do
  local f = fields(entry[2])
  if f.e == ARGV[1] and f.i and want[f.i] then found[want[f.i]] = entry[1] end
end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local out = {last and last[1] or '0-0'}
for i = 3, #ARGV do out[#out + 1] = found[i - 2] or '' end
return out
`,
);
