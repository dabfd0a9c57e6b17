// Copyright 2026 the @concurrent/futures authors. MIT license.
// What an executor does when it cannot be sure of Redis's state.
//
// An XADD whose connection dropped before its reply may or may not have
// added the entry. Sending it again could run the task twice, and not
// sending it could leave its future pending forever; so once reconnected,
// the executor looks for the entry (FIND), after reading every result
// written until that moment, and sends again only what is not there and has
// no result. Replies come in order, so such an entry, if it exists, comes
// after the last entry confirmed before the drop.
//
// A liveness key found missing means the server lost data (a restart
// without persistence) or this executor was unreachable for longer than
// orphanTimeout. Then it asks which of its entries still exist (RECONCILE)
// and, again after reading every result written until then, fails the
// futures of the ones that are gone with TaskLostError.

import type { Engine, TaskRecord } from "./engine.ts";
import { RedisConnectionError } from "./errors.ts";
import { compareIds } from "./layout.ts";
import { TaskLostError } from "./outcomes.ts";
import type { ResultReader } from "./results.ts";
import { FIND, RECONCILE } from "./scripts.ts";

/** See the module comment. */
export class Recovery {
  readonly #dispatch: Engine;
  readonly #reader: ResultReader;
  #lost: TaskRecord[] = [];
  #reconciling = false;
  #reconcileAgain = false;

  /** Makes the recovery of `dispatch`, which reads results with `reader`. */
  constructor(dispatch: Engine, reader: ResultReader) {
    this.#dispatch = dispatch;
    this.#reader = reader;
  }

  /** Looks for `record`'s entry once the connection is back. */
  findLater(record: TaskRecord): void {
    if (this.#lost.push(record) > 1) return;
    // The records of one dropped connection all fail in the same tick.
    queueMicrotask(() => {
      const batch = this.#lost;
      this.#lost = [];
      void this.#dispatch.track(this.#find(batch));
    });
  }

  /** Fails the futures of tasks Redis no longer has. */
  reconcile(): void {
    if (this.#reconciling) {
      this.#reconcileAgain = true;
      return;
    }
    this.#reconciling = true;
    void this.#dispatch.track(this.#reconcile()).finally(() => {
      this.#reconciling = false;
      if (this.#reconcileAgain) {
        this.#reconcileAgain = false;
        this.reconcile();
      }
    });
  }

  async #find(batch: TaskRecord[]): Promise<void> {
    const dispatch = this.#dispatch;
    let after = batch[0]!.after!;
    for (const record of batch) if (compareIds(record.after!, after) < 0) after = record.after!;
    let reply: string[];
    for (;;) {
      try {
        reply = await FIND.run(
          dispatch.client,
          [dispatch.keys.tasks, dispatch.resultsKey],
          [dispatch.id, after, ...batch.map((record) => record.seq)],
        ) as string[];
        break;
      } catch (error) {
        if (error instanceof RedisConnectionError && error.sent) continue;
        for (const record of batch) {
          if (!record.future.done()) record.future.setException(error);
        }
        return;
      }
    }
    const [lastResult, ...ids] = reply;
    await this.#reader.until(lastResult!);
    batch.forEach((record, at) => {
      const id = ids[at];
      if (id) dispatch.confirm(record, id);
      else if (!record.future.done()) dispatch.send(record);
    });
  }

  async #reconcile(): Promise<void> {
    const dispatch = this.#dispatch;
    const records = [...dispatch.records.values()].filter((r) => r.entryId !== undefined);
    if (records.length === 0) return;
    let reply: (string | number)[];
    for (;;) {
      try {
        reply = await RECONCILE.run(
          dispatch.client,
          [dispatch.keys.tasks, dispatch.resultsKey],
          records.map((record) => record.entryId!),
        ) as (string | number)[];
        break;
      } catch (error) {
        if (error instanceof RedisConnectionError && error.sent) continue;
        return; // offline for good, or refused: the reader fails what waits
      }
    }
    const [lastResult, ...gone] = reply;
    await this.#reader.until(String(lastResult));
    for (const position of gone) {
      const record = records[Number(position) - 1];
      if (record && !record.future.done()) {
        record.future.setException(
          new TaskLostError(
            "Cannot get task result: Redis no longer has the task (the server restarted without its data, or this executor was unreachable for longer than orphanTimeout)",
          ),
        );
      }
    }
  }
}
