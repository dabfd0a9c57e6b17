// Copyright 2026 the @concurrent/futures authors. MIT license.
// How a worker node runs a claimed task: check it against the node's
// policy, decode its arguments, hand it to the local pool, and encode the
// outcome for the results stream. Every path ends in an outcome payload;
// nothing here throws, so a bad entry fails only its own future.

import { BrokenExecutor } from "../_future/errors.ts";
import type { Executor } from "../_future/executor.ts";
import type { Future } from "../_future/future.ts";
import { fromModule, type ModuleTask } from "../_future/tasks.ts";
import type { TaskSpec } from "../_wire/protocol.ts";
import type { TaskEntry } from "./entry.ts";
import type { ChunkOutcome } from "./in_pool.ts";
import { TaskRefusedError } from "./outcomes.ts";
import {
  decodeValue,
  encodeChunkError,
  encodeChunkThrown,
  encodeError,
  encodeResult,
} from "./values.ts";

/** What a node lets its tasks be. */
export interface Policy {
  /** Module URL prefixes, normalized. */
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
  readonly #modules = new Map<string, ModuleTask<unknown[], unknown>>();

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
    this.#concurrency = concurrency;
    this.#onBroken = onBroken;
  }

  /** Runs the task of `entry`; resolves with its outcome payload once it is done here. */
  async run(entry: TaskEntry): Promise<Uint8Array> {
    if (entry.problem !== undefined) {
      return encodeError(
        new TypeError(`Cannot run task: its stream entry is malformed (${entry.problem})`),
      );
    }
    const spec = this.#spec(entry.fn);
    if (spec instanceof Error) return encodeError(spec);
    let args: unknown;
    try {
      args = decodeValue(entry.args);
      if (!Array.isArray(args)) throw new TypeError("Cannot decode task arguments: not a list");
    } catch (error) {
      return encodeError(error);
    }
    if (entry.argc === undefined) return await this.#call(spec, args);
    return await this.#chunk(spec, entry.argc, args);
  }

  async #call(spec: TaskSpec, args: unknown[]): Promise<Uint8Array> {
    try {
      const future = spec.kind === "module"
        ? this.#executor.submit(this.#module(spec), ...args)
        : this.#executor.submit(IN_POOL.call, spec, ...args);
      return encodeResult(await future.result());
    } catch (error) {
      this.#checkBroken(error);
      return encodeError(error);
    }
  }

  // A chunk is split across the local pool's workers, in order; the values
  // are joined back, up to the first call that threw.
  async #chunk(spec: TaskSpec, argc: number, flat: unknown[]): Promise<Uint8Array> {
    const calls = Math.floor(flat.length / argc);
    const pieces = Math.max(1, Math.min(this.#concurrency, calls));
    const futures: Future<ChunkOutcome>[] = [];
    const values: unknown[] = [];
    try {
      for (let piece = 0; piece < pieces; piece++) {
        const from = Math.floor((calls * piece) / pieces) * argc;
        const to = Math.floor((calls * (piece + 1)) / pieces) * argc;
        futures.push(this.#executor.submit(IN_POOL.chunk, spec, argc, flat.slice(from, to)));
      }
      for (const future of futures) {
        const outcome = await future.result();
        for (const value of outcome.values) values.push(value);
        if (outcome.thrown !== undefined) {
          for (const rest of futures) rest.cancel();
          return encodeChunkThrown(values, outcome.thrown);
        }
      }
      return encodeResult(values);
    } catch (error) {
      for (const rest of futures) rest.cancel();
      this.#checkBroken(error);
      return encodeChunkError(values, error);
    }
  }

  #spec(text: string): TaskSpec | Error {
    let spec = this.#specs.get(text);
    if (spec === undefined) {
      spec = this.#check(text);
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
      const href = URL.canParse(s.module) ? new URL(s.module).href : undefined;
      const { allow } = this.#policy;
      if (href === undefined || !allow.some((prefix) => href.startsWith(prefix))) {
        return new TaskRefusedError(
          `Cannot run task: module ${s.module} is outside this worker's allow prefixes (${
            allow.length === 0 ? "none" : allow.join(", ")
          })`,
        );
      }
      return { kind: "module", module: href, name: s.name };
    }
    return malformed();
  }

  #module(spec: TaskSpec & { kind: "module" }): ModuleTask<unknown[], unknown> {
    const key = `${spec.module}#${spec.name}`;
    let task = this.#modules.get(key);
    if (task === undefined) {
      const tasks = fromModule<Record<string, (...args: unknown[]) => unknown>>(spec.module);
      task = tasks[spec.name]!;
      if (this.#modules.size >= SPEC_CACHE) this.#modules.clear();
      this.#modules.set(key, task);
    }
    return task;
  }

  #checkBroken(error: unknown): void {
    if (error instanceof BrokenExecutor) this.#onBroken(error);
  }
}

function malformed(): TypeError {
  return new TypeError("Cannot run task: its function is not a task spec");
}
