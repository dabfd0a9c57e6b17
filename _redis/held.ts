// Copyright 2026 the @concurrent/futures authors. MIT license.
// A "started" notice names the worker that runs a task, but anyone who can
// write the results stream can write one: for a task no worker holds, its
// future would then run forever (no lease of that worker to expire, no
// entry for a sweep to find), and shutdown({ cancelFutures: true }) would
// wait for it. So every executor sweep also asks Redis whether each running
// task's entry is pending under the worker that said it started it.
//
// A real worker's notice is written by START only for an entry pending
// under that worker, and the entry leaves its pending list only by FINISH
// (with the result), SWEEP (with a lost or moved notice) or a cancel, each
// of which writes to the results stream first or in the same script. So a
// task found not held, once every result written up to that moment has
// been read, had a notice that no worker backs: it fails with
// WorkerLostError.

import type { Dispatch, TaskRecord } from "./dispatch.ts";
import { GROUP } from "./layout.ts";
import { WorkerLostError } from "./outcomes.ts";
import type { ResultReader } from "./results.ts";
import { Script } from "./scripts.ts";

// Tasks per HELD script: keeps its arguments inside Lua's limits.
const BATCH = 1000;

/**
 * Which entries are not pending under the worker said to run them.
 *
 * KEYS: tasks, results. ARGV: group, then (entry id, worker) pairs. No
 * group (no worker ever read the queue) means nothing is pending.
 * Returns the last result id, then the (1-based) position of each pair
 * whose entry is not pending under its worker.
 */
const HELD = new Script(`
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local out = {last and last[1] or '0-0'}
for i = 2, #ARGV, 2 do
  local r = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  local p = (type(r) == 'table' and not r.err) and r[1] or nil
  if not p or p[2] ~= ARGV[i + 1] then out[#out + 1] = (i / 2) end
end
return out
`);

/**
 * Fails the running tasks of `dispatch` that no worker holds; see the
 * module comment. Never throws: a check that cannot reach Redis is tried
 * by the next sweep.
 */
export async function failUnheld(dispatch: Dispatch, reader: ResultReader): Promise<void> {
  const running = [...dispatch.records.values()].filter((record) =>
    record.startedBy !== undefined && record.entryId !== undefined && !record.future.done()
  );
  for (let at = 0; at < running.length; at += BATCH) {
    await check(dispatch, reader, running.slice(at, at + BATCH));
  }
}

async function check(dispatch: Dispatch, reader: ResultReader, batch: TaskRecord[]) {
  const asked = batch.map((record) => [record.entryId!, record.startedBy!] as const);
  let reply: string[];
  try {
    reply = await HELD.run(dispatch.client, [dispatch.keys.tasks, dispatch.resultsKey], [
      GROUP,
      ...asked.flat(),
    ]) as string[];
  } catch {
    return; // offline, or no group yet: the next sweep asks again
  }
  const [last, ...unheld] = reply;
  await reader.until(String(last));
  for (const position of unheld) {
    const at = Number(position) - 1;
    const record = batch[at]!;
    const [entryId, worker] = asked[at]!;
    // Settled, moved or started again meanwhile: the check no longer applies.
    if (record.future.done() || record.entryId !== entryId || record.startedBy !== worker) {
      continue;
    }
    record.future.setException(
      new WorkerLostError(
        `Cannot get task result: worker ${
          JSON.stringify(worker.slice(0, 200))
        } said it started the task, but does not hold it (a notice no worker backs)`,
      ),
    );
  }
}
