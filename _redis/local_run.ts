// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a worker node runs a claimed task: check it against the node's
// policy, then hand it to the local pool as it came (in_pool.ts decodes,
// runs and encodes there) and pass on the encoded outcome. Every path ends
// in an outcome payload; nothing here throws, so a bad entry fails only its
// own future.

import { realpathSync } from "node:fs";
import { BrokenExecutor } from "../_future/errors.ts";
import type { Executor } from "../_future/executor.ts";
import { fromModule } from "../_future/tasks.ts";
import type { TaskSpec } from "../_wire/protocol.ts";
import { type AllowRule, checkModule, parseAllowRule } from "./allow.ts";
import type { TaskEntry } from "./entry.ts";
import { TaskRefusedError } from "./outcomes.ts";
import { decodeOutcome, encodeChunkError, encodeError, encodeResult, OK_PREFIX } from "./values.ts";

/** What a node lets its tasks be. */
export interface Policy {
  /** Module URL prefixes, as `parseAllowRule` (allow.ts) accepts them. */
  readonly allow: readonly string[];
  readonly allowInline: boolean;
}

type InPool = typeof import("./in_pool.ts");
const IN_POOL = fromModule<InPool>(new URL("./in_pool.ts", import.meta.url));
// Specs are parsed and checked once per distinct text; the cache is capped
// so a stream of distinct inline sources cannot grow it without bound.
const SPEC_CACHE = 1000;

/** Runs tasks in a local executor; see the module comment. */
export class LocalRunner {
  readonly #executor: Executor;
  readonly #policy: Policy;
  readonly #concurrency: number;
  readonly #onBroken: (error: BrokenExecutor) => void;
  readonly #specs = new Map<string, TaskSpec | Error>();
  readonly #rules: readonly AllowRule[];
  // Refusals that may not hold later (a module not deployed yet): not cached.
  readonly #transient = new WeakSet<Error>();

  /**
   * Makes the runner. `onBroken` is told when the local executor turns out
   * broken: nothing more can run here.
   */
  constructor(
    executor: Executor,
    policy: Policy,
    concurrency: number,
    onBroken: (error: BrokenExecutor) => void,
  ) {
    this.#executor = executor;
    this.#policy = policy;
    this.#rules = policy.allow.map(parseAllowRule);
    this.#concurrency = concurrency;
    this.#onBroken = onBroken;
  }

  /** Runs the task of `entry`; resolves with its outcome payload once it is done here. */
  async run(entry: TaskEntry): Promise<Uint8Array | string> {
    if (entry.problem !== undefined) {
      return encodeError(
        new TypeError(`Cannot run task: its stream entry is malformed (${entry.problem})`),
      );
    }
    const spec = this.#spec(entry.fn);
    if (spec instanceof Error) return encodeError(spec);
    // A chunk is cut into one piece per local worker; each piece decodes
    // the whole chunk and runs its share of the calls.
    const pieces = entry.argc === undefined ? 1 : this.#concurrency;
    const outcomes: Promise<string>[] = [];
    try {
      for (let piece = 0; piece < pieces; piece++) {
        const argc = entry.argc ?? 0;
        outcomes.push(
          this.#executor.submit(IN_POOL.run, spec, argc, entry.args, piece, pieces).result(),
        );
      }
      return join(await Promise.all(outcomes));
    } catch (error) {
      if (error instanceof BrokenExecutor) this.#onBroken(error);
      return encodeError(error);
    }
  }

  #spec(text: string): TaskSpec | Error {
    let spec = this.#specs.get(text);
    if (spec === undefined) {
      spec = this.#check(text);
      if (spec instanceof Error && this.#transient.has(spec)) return spec;
      if (this.#specs.size >= SPEC_CACHE) this.#specs.clear();
      this.#specs.set(text, spec);
    }
    return spec;
  }

  #check(text: string): TaskSpec | Error {
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch {
      spec = undefined;
    }
    const s = spec as Partial<Record<string, unknown>> | undefined;
    if (s?.kind === "source" && typeof s.source === "string") {
      if (s.name !== undefined && typeof s.name !== "string") return malformed();
      if (!this.#policy.allowInline) {
        return new TaskRefusedError(
          "Cannot run task: this worker does not run inline functions; start it with allowInline: true (--allow-inline), or submit a fromModule() task",
        );
      }
      return s as TaskSpec;
    }
    if (s?.kind === "module" && typeof s.module === "string" && typeof s.name === "string") {
      // Checked here, in the node, before the local pool imports anything.
      const verdict = checkModule(s.module, this.#rules, realpathSync);
      if (verdict.ok) return { kind: "module", module: verdict.module, name: s.name };
      const { allow } = this.#policy;
      const refusal = new TaskRefusedError(
        `Cannot run task: module ${clip(s.module)} ${verdict.why} (allowed: ${
          allow.length === 0 ? "none" : allow.join(", ")
        })`,
      );
      if (verdict.again) this.#transient.add(refusal);
      return refusal;
    }
    return malformed();
  }
}

// The module URL is the writer's text: quoted, but not at any length.
function clip(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

function malformed(): TypeError {
  return new TypeError("Cannot run task: its function is not a task spec");
}

// Joins the outcomes of a chunk's pieces. When every piece succeeded with a
// JSON list, the lists are joined as text; otherwise they are decoded and
// the chunk's outcome is the values up to the first failure, then it.
function join(outcomes: string[]): string | Uint8Array {
  if (outcomes.length === 1) return outcomes[0]!;
  if (outcomes.every((o) => o.startsWith(OK_PREFIX) && o.endsWith("]]"))) {
    const lists = outcomes.map((o) => o.slice(OK_PREFIX.length, -2)).filter((l) => l !== "");
    return `${OK_PREFIX}${lists.join(",")}]]`;
  }
  const values: unknown[] = [];
  for (const text of outcomes) {
    const outcome = decodeOutcome(text);
    if (outcome.ok) values.push(...(outcome.value as unknown[]));
    else if ("chunkValues" in outcome) {
      return encodeChunkError([...values, ...outcome.chunkValues], outcome.error);
    } else if ("error" in outcome) return encodeChunkError(values, outcome.error);
  }
  return encodeResult(values);
}
