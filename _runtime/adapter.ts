// Copyright 2026 the @concurrent/futures authors. MIT license.
// What a runtime adapter (_runtime/<runtime>/adapter.ts) gives the pools:
// the one interface behind which each runtime's differences live. The
// adapter of this process is chosen once, at load, in current.ts; nothing
// outside _runtime/ asks which runtime it runs in.
//
// The shared mechanics sit beside the adapters, once: a thread on
// node:worker_threads (node_worker.ts: Deno, Node) or on a web Worker
// (web_worker.ts: Bun), a child on node:child_process with fds 3-5
// (spawn.ts: all three), the children a development loop must end
// (dev_reload.ts).

import type { ExitStatus, Transport } from "../_pool/transport.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import type { DenoPermissions } from "./deno/permissions.ts";
import type { Runtime } from "./runtime.ts";
import type { ResultPort } from "./thread_results.ts";

/** Per-worker heap and stack limits in MiB, as node:worker_threads takes them. */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number | undefined;
  maxYoungGenerationSizeMb?: number | undefined;
  codeRangeSizeMb?: number | undefined;
  stackSizeMb?: number | undefined;
}

/** What a thread is started with: the worker code and where it reports. */
export interface ThreadStart {
  /** The worker code, as text (see source_url.ts). */
  source: string;
  name: string;
  results: ResultPort;
  /** Called once, however the thread ended. */
  exit(status: ExitStatus): void;
  /** Heap and stack limits, where the runtime honours them. */
  limits?: ResourceLimits | undefined;
}

/** What to run in a child process, as the caller asks for it. */
export interface ChildOptions {
  /**
   * The code the child runs, as text that is both an ES module and an async
   * function body (it imports only with `await import()`): a pool's worker
   * code (see source_url.ts), never a file of this package.
   */
  source: string;
  /** Arguments after the module. */
  args?: string[];
  /**
   * Modules (URLs or paths) the child must be able to load: in Deno it is
   * given read or import access to them, where this process holds it.
   */
  modules: readonly string[];
  /** The child's permissions instead of the parent's whole grants (Deno). */
  denoPermissions?: DenoPermissions | undefined;
  /** The config file (a path), `false` for none, or `undefined` for this program's (Deno). */
  denoConfig?: string | false | undefined;
}

/**
 * How a child starts, decided once (per pool, or per set of task modules in
 * Deno, whose children get access to each module) and read at every start.
 */
export interface ChildPlan {
  /** The program to run. */
  readonly executable: string;
  /** Its whole command line after the executable, the grants included. */
  readonly args: readonly string[];
  /** Variables added to the inherited environment. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** The permission flags among `args` (none where the runtime has none). */
  readonly grants: readonly string[];
  /**
   * Tells whether a child started from this plan can load `module` as well
   * as a new child could (false only in Deno, for a module it may not read).
   */
  covers(module: string): boolean;
  /** The plan of a child that must also load `modules` (this one if nothing changes). */
  including(modules: readonly string[]): ChildPlan;
}

/** One runtime's differences, as the pools and the transports ask for them. */
export interface RuntimeAdapter {
  readonly runtime: Runtime;
  /** Starts a pool thread; may throw (the caller reports it as an exit). */
  startThread(start: ThreadStart): Transport;
  /** Whether a thread posts each port message in a Map (Deno; see `ResultsSetup`). */
  readonly resultsMapped: boolean;
  /**
   * Plans a child process, checking once that this process may start it.
   *
   * @throws {Error} Where this runtime cannot start one (a compiled binary,
   * a missing permission), naming what is missing.
   * @throws {TypeError} If the options ask for more than this process holds.
   */
  planChild(options: ChildOptions): ChildPlan;
  /**
   * A message on its way to a child, changed as a compiled binary needs
   * (Bun ships task modules built into it); absent: sent as is.
   */
  shipToChild?(message: ToWorker): ToWorker;
  /**
   * Called once, when this isolate starts its first child: installs what
   * ends `endChildren` on a development loop's restart.
   */
  watchReload?(endChildren: () => void): void;
  /** Called after each executor is made (Bun's `--hot` collects garbage). */
  afterExecutor?(): void;
}
