// Copyright 2026 the @concurrent/futures authors. MIT license.
// The executor's side of the results stream: one XREAD loop, running while
// some task's outcome is still to come, that settles each future once.
//
// The stream holds entries until this reader has passed them (then it is
// trimmed), so a dropped connection loses nothing: the loop reads again
// from the last id it saw once the client has reconnected. A result for a
// task that is no longer waiting (cancelled, stopped, already settled) is
// skipped, which is what makes each result reach its future exactly once.

import { TimeoutError } from "../_future/errors.ts";
import { ChunkFailure } from "../_future/chunk.ts";
import type { BlockingReader } from "./blocking.ts";
import type { Engine, TaskRecord } from "./engine.ts";
import { RedisConnectionError } from "./errors.ts";
import { compareIds, ResultKind } from "./layout.ts";
import { adoptError, TaskLostError, WorkerLostError } from "./outcomes.ts";
import type { RespValue } from "./resp.ts";
import { decodeOutcome } from "./values.ts";

type Entry = [string, string[]];

const READ_COUNT = 1000;
const TRIM_EVERY = 1000;
// The server ends a blocked read after this long; the loop then reads
// again. Short enough that a lost CLIENT UNBLOCK costs little.
const BLOCK_MS = 5000;

/** Reads an executor's results stream; see the module comment. */
export class ResultReader {
  readonly #dispatch: Engine;
  readonly #blocking: BlockingReader;
  #lastRead = "0-0";
  #untrimmed = 0;
  // Applied entries to trim with the next read, which goes out anyway.
  #trimLater = false;
  #running = false;
  #waiters: { id: string; resolve: () => void; since: number }[] = [];
  // Reads sent so far: a waiter knows which reads began after it came.
  #reads = 0;

  /** Makes the reader; `start()` runs it. */
  constructor(dispatch: Engine, blocking: BlockingReader) {
    this.#dispatch = dispatch;
    this.#blocking = blocking;
  }

  /** The id of the last result entry read ("0-0" before the first). */
  get lastRead(): string {
    return this.#lastRead;
  }

  /** Runs the read loop, unless it runs already. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#loop();
  }

  /** Resolves once every result entry up to `id` has been applied. */
  until(id: string): Promise<void> {
    if (compareIds(this.#lastRead, id) >= 0) return Promise.resolve();
    const promise = new Promise<void>((resolve) =>
      this.#waiters.push({ id, resolve, since: this.#reads })
    );
    this.start();
    return promise;
  }

  /** Nothing is waiting any more: end a read in flight. */
  idle(): void {
    if (this.#waiters.length === 0) this.#blocking.interrupt();
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#blocking.close();
  }

  #wanted(): boolean {
    return this.#dispatch.records.size > 0 || this.#waiters.length > 0;
  }

  // `#running` drops in the same microtask the loop decides to end, so a
  // task submitted just after always finds either a running loop or none.
  async #loop(): Promise<void> {
    const { resultsKey } = this.#dispatch;
    let ended = false;
    try {
      while (this.#wanted()) {
        let reply: RespValue;
        const read = ++this.#reads;
        if (this.#trimLater) this.#trim(this.#blocking);
        try {
          reply = await this.#blocking.read([
            "XREAD",
            "COUNT",
            READ_COUNT,
            "BLOCK",
            BLOCK_MS,
            "STREAMS",
            resultsKey,
            this.#lastRead,
          ], BLOCK_MS);
        } catch (error) {
          // Written but unanswered: the client reconnects, and reading the
          // same range again is harmless.
          if (error instanceof RedisConnectionError && error.sent) continue;
          // Stopped before failing: a done callback may submit, and start anew.
          ended = true;
          this.#running = false;
          this.#failAll(error);
          return;
        }
        if (reply !== null) this.#apply(reply as [string, Entry[]][]);
        else this.#exhausted(read);
      }
    } finally {
      if (!ended) this.#running = false;
    }
  }

  #apply(reply: [string, Entry[]][]): void {
    const entries = reply[0]?.[1] ?? [];
    for (const [id, fields] of entries) {
      this.#applyEntry(fields);
      this.#lastRead = id;
    }
    if (entries.length === 0) return;
    const last = this.#lastRead;
    this.#untrimmed += entries.length;
    // Applied entries go in batches; the last one read stays until the next
    // trim, which is harmless. When nothing waits any more, they go with the
    // next read, in the same write: a trim of its own, between a result and
    // the next task, cost a sequential caller a write per task (the stream
    // expires with the executor's liveness key, and shutdown deletes it).
    if (this.#untrimmed >= TRIM_EVERY) this.#trim(this.#dispatch.client);
    else if (!this.#wanted()) this.#trimLater = true;
    const ready = this.#waiters.filter((w) => compareIds(last, w.id) >= 0);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => compareIds(last, w.id) < 0);
    for (const waiter of ready) waiter.resolve();
  }

  #applyEntry(fields: string[]): void {
    const [kind, worker] = fields;
    const { records } = this.#dispatch;
    if (kind === ResultKind.Started || kind === ResultKind.Orphaned) {
      for (const seq of (fields[3] ?? "").split(",")) {
        const record = records.get(Number(seq));
        if (record === undefined) continue;
        if (kind === ResultKind.Orphaned) {
          record.future.setException(
            new TaskLostError(
              `Cannot get task result: the workers dropped the task unrun, since this executor had been unreachable for longer than orphanTimeout (${this.#dispatch.orphanTimeout} ms)`,
            ),
          );
        } else {
          record.startedBy = worker; // checked by held.ts
          if (record.future.state === "pending") {
            record.future.setRunningOrNotifyCancel();
            this.#dispatch.started();
          }
        }
      }
      return;
    }
    for (let at = 2; at + 1 < fields.length; at += 2) {
      const record = records.get(Number(fields[at]));
      if (record === undefined) continue;
      const value = fields[at + 1]!;
      if (kind === ResultKind.Done) settle(record, value);
      else if (kind === ResultKind.Moved) {
        record.entryId = value;
        record.startedBy = undefined;
      } else if (kind === ResultKind.Lost) {
        record.future.setException(
          new WorkerLostError(
            `Cannot get task result: worker ${worker} was lost while running it (its lease expired)`,
          ),
        );
      }
    }
  }

  // A read that timed out, begun after a waiter came, found nothing after
  // the last entry read: every entry the stream holds has been applied. A
  // waiter for a later id (read from a server that has since failed over,
  // or from a stream that expired) would otherwise wait for ever. (A read
  // ended by interrupt() began before any waiter: idle() interrupts only
  // when none waits.)
  #exhausted(read: number): void {
    const done = this.#waiters.filter((w) => w.since < read);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.since >= read);
    for (const waiter of done) waiter.resolve();
  }

  #trim(via: Pick<BlockingReader, "send">): void {
    this.#untrimmed = 0;
    this.#trimLater = false;
    via.send(["XTRIM", this.#dispatch.resultsKey, "MINID", this.#lastRead]).catch(() => {});
  }

  #failAll(error: unknown): void {
    for (const record of [...this.#dispatch.records.values()]) {
      if (!record.future.done()) record.future.setException(error);
    }
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }
}

function settle(record: TaskRecord, payload: string): void {
  const { future } = record;
  let outcome;
  try {
    outcome = decodeOutcome(payload);
  } catch (error) {
    future.setException(error);
    return;
  }
  if (outcome.ok) future.setResult(outcome.value);
  else if ("timeLimit" in outcome) {
    future.setException(
      new TimeoutError(`Task ran longer than its timeLimit of ${outcome.timeLimit} ms`),
    );
  } else if ("chunkValues" in outcome) {
    future.setException(new ChunkFailure(outcome.chunkValues, adoptError(outcome.error)));
  } else future.setException(adoptError(outcome.error));
}
