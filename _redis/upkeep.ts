// Copyright 2026 the @concurrent/futures authors. MIT license.
// An executor's upkeep while it has tasks out (dispatch.ts starts and
// stops it): its liveness key, refreshed every quarter of orphanTimeout,
// and the sweeps, every sweepInterval: SWEEP for nodes whose lease lapsed,
// AUDIT for keys that disappeared (audit.ts), and running tasks no worker
// holds (held.ts). A key or stream that is gone means the server lost data:
// the recovery reconciles.

import { clearInterval, setInterval } from "node:timers";
import { AUDIT, Missing } from "./audit.ts";
import type { Engine } from "./engine.ts";
import { failUnheld } from "./held.ts";
import { GROUP } from "./layout.ts";
import { renew } from "./memory.ts";
import type { Recovery } from "./recovery.ts";
import type { ResultReader } from "./results.ts";
import { SWEEP } from "./scripts.ts";

const SWEEP_BATCH = 100;

/** What the upkeep reads of its executor besides the engine. */
export interface UpkeepParts {
  readonly engine: Engine;
  readonly reader: ResultReader;
  readonly recovery: Recovery;
  /** The executor's liveness key. */
  readonly executorKey: string;
  readonly sweepInterval: number;
  /** The id of the last task entry Redis confirmed ("0-0": none yet). */
  lastConfirmed(): string;
}

/** The liveness key and the sweeps; see the module comment. */
export class Upkeep {
  readonly #parts: UpkeepParts;
  // When the liveness key expires, as far as this side knows.
  #keyUntil = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  // Whether a worker has started one of this executor's tasks, so the
  // consumer group exists; and the last result id an audit found gone.
  #groupSeen = false;
  #auditedRead = "";

  /** The upkeep of the executor `parts` describe; `start()` starts it. */
  constructor(parts: UpkeepParts) {
    this.#parts = parts;
  }

  /** Whether the liveness key was ever set (so there are keys to remove). */
  get everSet(): boolean {
    return this.#keyUntil > 0;
  }

  /** Notes that a task started: the consumer group exists. */
  groupSeen(): void {
    this.#groupSeen = true;
  }

  /** Refreshes the key if a quarter of its time has passed, and sweeps. */
  start(): void {
    const { orphanTimeout } = this.#parts.engine;
    if (performance.now() > this.#keyUntil - (orphanTimeout * 3) / 4) this.refreshKey();
    if (this.#sweepTimer !== undefined) return;
    const timer = setInterval(() => this.#sweep(), this.#parts.sweepInterval);
    timer.unref();
    this.#sweepTimer = timer;
  }

  /** Stops the timers (the key then expires unless removed). */
  stop(): void {
    clearInterval(this.#refreshTimer);
    clearInterval(this.#sweepTimer);
    this.#refreshTimer = this.#sweepTimer = undefined;
  }

  // `SET … GET` both refreshes the key and tells whether it was still
  // there: when it was expected and is gone, the server lost data (or this
  // executor was unreachable for longer than orphanTimeout).
  /** Sets the liveness key now, and every quarter of orphanTimeout from now on. */
  refreshKey(): void {
    const { engine, recovery, executorKey } = this.#parts;
    const { orphanTimeout } = engine;
    const expected = performance.now() < this.#keyUntil - 1_000;
    const sentAt = performance.now();
    this.#keyUntil = Math.max(this.#keyUntil, sentAt + 1_000); // no second SET this tick
    renew(engine.client, executorKey, "1", orphanTimeout).then(
      (previous) => {
        this.#keyUntil = sentAt + orphanTimeout;
        if (previous === null && expected) recovery.reconcile();
      },
      () => {
        // Offline: the next refresh or reconnect tries again.
      },
    );
    if (this.#refreshTimer === undefined) {
      const timer = setInterval(() => this.refreshKey(), orphanTimeout / 4);
      timer.unref();
      this.#refreshTimer = timer;
    }
  }

  #sweep(): void {
    const { engine, reader } = this.#parts;
    const args = [GROUP, engine.keys.prefix, SWEEP_BATCH];
    if (this.#groupSeen) {
      SWEEP.run(engine.client, [engine.keys.tasks], args).catch(() => {
        // No group any more, or offline: the next sweep tries again.
      });
    }
    this.#audit();
    void engine.track(failUnheld(engine, reader));
  }

  // Whether a key this executor relies on has disappeared (audit.ts).
  #audit(): void {
    const { engine, reader, recovery, executorKey } = this.#parts;
    const lastRead = reader.lastRead;
    const read = lastRead === "0-0" || lastRead === this.#auditedRead ? "" : lastRead;
    const flag = (on: boolean) => (on ? 1 : 0);
    const args = [
      GROUP,
      flag(performance.now() < this.#keyUntil - 1_000),
      flag(this.#parts.lastConfirmed() !== "0-0"),
      flag(this.#groupSeen),
      read,
    ];
    const keys = [executorKey, engine.keys.tasks, engine.resultsKey];
    AUDIT.run(engine.client, keys, args).then((missing) => {
      if (missing === Missing.None) return;
      if (missing === Missing.Executor) return this.refreshKey(); // it reconciles
      // Expected again once a worker makes the group, or a result comes.
      if (missing === Missing.Tasks) this.#groupSeen = false;
      else this.#auditedRead = read;
      recovery.reconcile();
    }, () => {
      // Offline: the next sweep asks again.
    });
  }
}
