// Copyright 2026 the @concurrent/futures authors. MIT license.
// A worker node: it claims task entries from the queue's stream with
// XREADGROUP (the delivery is the claim), starts them with BEGIN pipelined
// behind the read (claim.ts: one trip for both), runs them in its local
// pool (local_run.ts) and delivers their outcomes (finisher.ts).
//
//   XREADGROUP + BEGIN ─▶ executor alive? "started" notice ─▶ local pool
//        ▲                                                       │
//        └──── room in the window ◀── FINISH (result, XACK) ◀────┘
//
// Its lease (lease.ts: one name, one node) tells the others it lives, and
// it sweeps for nodes whose lease has expired. A task runs once the
// replicas have its claim (replicas.ts). It takes tasks while it has room
// (pace.ts): its concurrency, plus more for quick tasks, so a stream of tiny
// tasks goes in batches while long ones are left to idle nodes. Stopping: no
// new tasks, the running ones finish and are delivered, then it leaves.

import { clearTimeout, setTimeout } from "node:timers";
import { hostname } from "node:os";
import process from "node:process";
import type { BrokenExecutor } from "../_future/errors.ts";
import { BlockingReader } from "./blocking.ts";
import { Claims } from "./claim.ts";
import { RedisClient } from "./client.ts";
import { parseEntry, type TaskEntry } from "./entry.ts";
import { RedisConnectionError, RedisError } from "./errors.ts";
import { Finisher } from "./finisher.ts";
import { GROUP, type QueueKeys, queueKeys } from "./layout.ts";
import { LocalRunner } from "./local_run.ts";
import { checkEvictionPolicy, ensureGroup, EvictionPolicyError } from "./memory.ts";
import { Lease, type WorkerNameError } from "./lease.ts";
import { NodeLog } from "./node_log.ts";
import { MAX_WINDOW, Pace } from "./pace.ts";
import { Replicas } from "./replicas.ts";
import type { WorkerConfig } from "./options.ts";
import type { RedisArg } from "./resp_encode.ts";
import { encodeError, encodeTimedOut } from "./values.ts";

type Entries = [string, [string, string[] | null][]][];
const BLOCK_MS = 5_000;
const RETRY_MS = 1_000;
// Tasks per START script: keeps its unpack inside Lua's limits.
const START_BATCH = 300;

/** A running worker node; see the module comment. */
export class RedisWorker {
  readonly name: string;
  /** Resolves once the node is in the group and reading. */
  readonly ready: Promise<void>;
  readonly #config: WorkerConfig;
  readonly #keys: QueueKeys;
  readonly #client: RedisClient;
  readonly #reader: BlockingReader;
  readonly #claims: Claims;
  readonly #runner: LocalRunner;
  readonly #finisher: Finisher;
  readonly #lease: Lease;
  readonly #log: NodeLog;
  readonly #replicas: Replicas;
  // Claimed and not yet settled in Redis, by entry id.
  readonly #held = new Map<string, TaskEntry>();
  #busy = 0;
  readonly #pace: Pace;
  #recover = false;
  #stopping = false;
  #fatal: Error | undefined;
  #wake: (() => void) | undefined;
  #markReady!: () => void;

  /** Makes the node; `run()` starts it. */
  constructor(config: WorkerConfig) {
    this.#config = config;
    this.name = config.name ?? `${hostName()}-${process.pid}-${randomSuffix()}`;
    this.#keys = queueKeys(config.queue);
    let connected = false;
    this.#client = new RedisClient({
      ...config.connection,
      name: `cf-worker-${this.name}`,
      onEvent: (event) => {
        if (event.type !== "connect") return;
        // A reconnect may be to a server restarted with another policy.
        if (connected) this.#recheckPolicy();
        connected = true;
      },
    });
    this.#reader = new BlockingReader(this.#client, { name: `cf-claims-${this.name}` }, true);
    this.#claims = new Claims(this.#keys, this.name, this.#client);
    const policy = { allow: config.allow, allowInline: config.allowInline };
    this.#runner = new LocalRunner(
      config.executor,
      policy,
      config.concurrency,
      (error) => this.#broken(error),
    );
    this.#replicas = new Replicas(this.#client, config.waitReplicas);
    const delivered = (entries: TaskEntry[]) => {
      for (const entry of entries) this.#held.delete(entry.id);
      this.#wake?.();
    };
    const replicated = () => this.#replicas.wait();
    this.#finisher = new Finisher(this.#client, this.#keys, this.name, delivered, replicated);
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#lease = new Lease(this.#client, this.#keys, this.name, config.queue, config.lease);
    this.#log = new NodeLog(this.name, config.verbose);
    this.#pace = new Pace(config.concurrency);
  }

  /** Asks the node to stop: no new tasks; what runs is finished and delivered. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#reader.interrupt();
    this.#wake?.();
  }

  /**
   * Serves until stopped, then drains and leaves.
   *
   * @throws {RedisConnectionError} If Redis cannot be reached at the start.
   * @throws {BrokenExecutor} If the local executor broke.
   */
  async run(): Promise<void> {
    const { signal } = this.#config;
    const onAbort = () => this.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal?.aborted) return;
      await this.#client.connect();
      await checkEvictionPolicy(this.#client, this.#config.allowEviction);
      await ensureGroup(this.#client, this.#keys.tasks);
      await this.#lease.take();
      this.#lease.start((error) => this.#replaced(error));
      this.#markReady();
      await this.#readLoop();
      await this.#drain();
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#lease.stop();
      await this.#leave();
    }
    if (this.#fatal) throw this.#fatal;
  }

  async #readLoop(): Promise<void> {
    while (!this.#stopping) {
      if (this.#recover) {
        // Already claimed by this node: taken whatever the room.
        try {
          await this.#recoverPending();
        } catch (error) {
          await this.#readFailed(error);
        }
        continue;
      }
      const window = this.#pace.window();
      const room = window - this.#busy;
      // Read again once half the window is free (or nothing runs): fewer,
      // larger reads when tasks are quick, at once when one is awaited.
      if (room <= 0 || (this.#busy > 0 && room < window / 2)) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      try {
        // BEGIN behind the read starts the first entries it delivers, as
        // many as there are slots (no round trip between their claim and
        // their start); the rest of a batch would wait for a slot anyway,
        // and go through START, which costs the server less per entry
        // (BEGIN reads each entry's fields).
        const claims = this.#claims;
        const [reply, begun] = await this.#reader.readThen(
          claims.read(room, BLOCK_MS),
          BLOCK_MS,
          claims.begin(Math.min(room, this.#config.concurrency)),
        );
        const verdicts = await this.#replicated(claims.verdicts(begun));
        this.#take(reply === null ? [] : (reply as Entries)[0]![1], verdicts);
      } catch (error) {
        await this.#readFailed(error);
      }
    }
  }

  // Run only what a promoted replica would know was claimed and started:
  // WAIT on the connection that made both. Unsure, the read's entries go
  // through START, which waits on its own, and the pending list is read
  // again for any BEGIN started that the read did not deliver.
  async #replicated(
    verdicts: Map<string, number> | undefined,
  ): Promise<Map<string, number> | undefined> {
    if (verdicts === undefined || verdicts.size === 0) return verdicts;
    try {
      await this.#replicas.wait(this.#reader);
      return verdicts;
    } catch {
      this.#recover = true;
      return undefined;
    }
  }

  async #readFailed(error: unknown): Promise<void> {
    if (error instanceof RedisConnectionError) {
      // A read lost with its connection may have delivered entries to this
      // node: read its own pending entries next, and run the unknown ones.
      // (A recovery that failed is still owed: #recover stays set.)
      if (error.sent) this.#recover = true;
      else await delay(RETRY_MS);
    } else if (
      error instanceof RedisError && (error.code === "NOGROUP" || error.code === "UNBLOCKED")
    ) {
      // The stream (or its group) is gone: FLUSHDB, DEL, eviction, a restart.
      await ensureGroup(this.#client, this.#keys.tasks).catch(() => delay(RETRY_MS));
    } else {
      this.#fatal = error as Error;
      this.stop();
    }
  }

  // Takes what a read delivered. BEGIN's verdicts (claim.ts), when it ran,
  // say which to run (1) and which it dropped (0); the rest go through START.
  #take(entries: [string, string[] | null][], verdicts?: Map<string, number>): void {
    const junk: string[] = [];
    const byExec = new Map<string, TaskEntry[]>();
    const begun: TaskEntry[] = [];
    this.#claims.seen(entries.map(([id]) => id));
    for (const [id, fields] of entries) {
      const verdict = verdicts?.get(id);
      verdicts?.delete(id);
      const entry = fields === null ? undefined : parseEntry(id, fields);
      if (entry === undefined) {
        junk.push(id);
        continue;
      }
      if (this.#held.has(entry.id)) continue; // recovered, but already running here
      if (verdict === 0) continue; // dropped unrun, and acknowledged, by BEGIN
      this.#held.set(entry.id, entry);
      this.#busy++;
      if (verdict === 1) {
        begun.push(entry);
        continue;
      }
      const list = byExec.get(entry.exec);
      if (list) list.push(entry);
      else byExec.set(entry.exec, [entry]);
    }
    // Started by BEGIN, but delivered by a read whose reply was lost: read
    // the own pending list, which has it.
    for (const verdict of verdicts?.values() ?? []) if (verdict === 1) this.#recover = true;
    for (const entry of begun) this.#start(entry);
    if (junk.length > 0) {
      console.error(
        `concurrent-futures worker ${this.name}: dropped ${junk.length} stream ${
          junk.length === 1 ? "entry that names" : "entries that name"
        } no task: ${junk.join(", ")}`,
      );
      this.#send(["XACK", this.#keys.tasks, GROUP, ...junk]);
      this.#send(["XDEL", this.#keys.tasks, ...junk]);
    }
    for (const [exec, list] of byExec) {
      for (let at = 0; at < list.length; at += START_BATCH) {
        void this.#startAll(exec, list.slice(at, at + START_BATCH));
      }
    }
  }

  // START (claim.ts) says which to run, for entries BEGIN gave no verdict.
  async #startAll(exec: string, entries: TaskEntry[]): Promise<void> {
    const verdicts = await this.#claims.start(exec, entries, this.#replicas);
    const dropped: TaskEntry[] = [];
    entries.forEach((entry, at) => {
      if (verdicts?.[at] === 1) this.#start(entry);
      else dropped.push(entry);
    });
    if (dropped.length === 0) return;
    for (const entry of dropped) this.#held.delete(entry.id);
    this.#busy -= dropped.length;
    // One not this node's may have come back to it since (a promoted
    // replica that never saw the claim delivers it again), by a read that
    // skipped it as held: read the own pending list once more.
    this.#recover = true;
    this.#wake?.();
  }

  #start(entry: TaskEntry): void {
    let delivered = false;
    // #busy already counts this task: it had a free slot if no more than
    // the slots are taken.
    const started = this.#busy <= this.#config.concurrency ? performance.now() : undefined;
    const deliver = (payload: Uint8Array | string) => {
      if (delivered) return;
      delivered = true;
      this.#finisher.finish(entry, payload);
    };
    // Counted from the claim. The local pool cannot stop the task yet: it
    // runs on, holding its slot, and its outcome is dropped.
    const timer = entry.timeLimit === undefined
      ? undefined
      : setTimeout(() => deliver(encodeTimedOut(entry.timeLimit!)), entry.timeLimit);
    // run() encodes every failure itself; the catch is for a bug in it, which
    // must still settle the task and free its slot.
    this.#log.started(entry);
    const begun = performance.now();
    void this.#runner.run(entry).catch(encodeError).then((payload) => {
      clearTimeout(timer);
      this.#log.ended(entry, payload, performance.now() - begun);
      this.#pace.ended(started, this.#busy);
      this.#busy--;
      deliver(payload);
      this.#wake?.();
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      while (this.#held.size > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
      if (!this.#recover) return;
      try {
        await this.#recoverPending();
      } catch {
        // Gone or unreachable: the sweepers settle what is left once the lease lapses.
        return;
      }
    }
  }

  // Entries delivered by a read whose reply was lost are this node's (they
  // are in its pending list) though it never saw them: run them too, however
  // many. The whole pending list is read, a page at a time, whatever the
  // room: it starts with the entries this node already holds (running, or
  // their results on the way), so a read of only `room` entries could
  // return just those and leave the unseen ones pending under this live
  // node, where no sweep reclaims them, and their futures waiting forever.
  // #recover is cleared only once every page has been read: a page lost
  // with its connection (or never sent) means reading it all again.
  async #recoverPending(): Promise<void> {
    let from = "0";
    for (;;) {
      const reply = await this.#client.send([
        "XREADGROUP",
        "GROUP",
        GROUP,
        this.name,
        "COUNT",
        MAX_WINDOW,
        "STREAMS",
        this.#keys.tasks,
        from,
      ]);
      const entries = reply === null ? [] : (reply as Entries)[0]?.[1] ?? [];
      this.#take(entries);
      if (entries.length < MAX_WINDOW) break;
      from = entries[entries.length - 1]![0];
    }
    this.#recover = false;
  }

  async #leave(): Promise<void> {
    // Without its lease the node counts as gone; the next sweep removes its
    // (empty) consumer from the group.
    await this.#lease.drop().catch(() => {});
    await this.#reader.close();
    await this.#client.close();
  }

  // Another node took this one's name (lease.ts): stop claiming, and say so.
  #replaced(error: WorkerNameError): void {
    if (this.#fatal) return;
    console.error(`concurrent-futures worker ${this.name}: ${error.message}`);
    this.#fatal = error;
    this.stop();
  }

  #recheckPolicy(): void {
    checkEvictionPolicy(this.#client, this.#config.allowEviction).catch((error: unknown) => {
      // Offline: the next reconnect reads it again. Refused: run() throws it.
      if (!(error instanceof EvictionPolicyError) || this.#fatal) return;
      this.#fatal = error;
      this.stop();
    });
  }

  #broken(error: BrokenExecutor): void {
    this.#fatal ??= error;
    this.stop();
  }

  #send(command: RedisArg[]): void {
    this.#client.send(command).catch(() => {
      // Best effort: a lost notice or acknowledgement is settled by a sweep.
    });
  }
}

// Deno asks for --allow-sys=hostname to read it; a name without it still works.
function hostName(): string {
  try {
    return hostname();
  } catch {
    return "worker";
  }
}

function randomSuffix(): string {
  return crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
