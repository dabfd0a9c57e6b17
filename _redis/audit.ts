// Copyright 2026 the @concurrent/futures authors. MIT license.
// Is what an executor waits on still in Redis? A key can disappear without
// a restart: evicted (a server that may evict), FLUSHDB, DEL by hand, or a
// results stream that expired. Then the futures of its tasks would wait
// forever, so every sweep asks, in one read-only script, whether any key
// this executor relies on is gone; if one is, recovery.ts reconciles (the
// futures of the tasks Redis no longer has fail with TaskLostError).

import { Script } from "./scripts.ts";

/** What AUDIT found missing. */
export const Missing = {
  None: 0,
  /** The executor's liveness key. */
  Executor: 1,
  /** The task stream, or its consumer group once workers had made it. */
  Tasks: 2,
  /** The results stream, which still held the last entry read. */
  Results: 3,
} as const;

/**
 * KEYS: executor key, tasks, results. ARGV: group, then whether the
 * executor key, the task stream and the group should exist (1/0 each),
 * then the last result id read ("" for none). Returns a
 * {@linkcode Missing} code.
 */
export const AUDIT = new Script(`
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 2 end
if ARGV[4] == '1' then
  local found = false
  local groups = redis.pcall('XINFO', 'GROUPS', KEYS[2])
  if type(groups) == 'table' and groups.err == nil then
    for _, g in ipairs(groups) do
      for j = 1, #g, 2 do
        if g[j] == 'name' and g[j + 1] == ARGV[1] then found = true end
      end
    end
  end
  if not found then return 2 end
end
if ARGV[5] ~= '' and #redis.call('XRANGE', KEYS[3], ARGV[5], ARGV[5]) == 0 then return 3 end
return 0
`);
