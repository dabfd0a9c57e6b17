// Copyright 2026 the @concurrent/futures authors. MIT license.
// What the spawner (spawn.ts) asks of the per-runtime command builders
// (spawn_deno.ts, spawn_bun.ts): the types alone, so neither side imports
// the other's code.

import type { DenoPermissions } from "./deno_permissions.ts";

/** What to run in a child process. */
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
  denoPermissions?: DenoPermissions;
  /** The config file (a path), `false` for none, or `undefined` for this program's (Deno). */
  denoConfig?: string | false;
}

/** A command line. */
export interface ChildCommand {
  file: string;
  args: string[];
  /** Variables added to the inherited environment. */
  env?: Record<string, string>;
}
