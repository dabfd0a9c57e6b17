// Copyright 2026 the @concurrent/futures authors. MIT license.
// What the spawner (spawn.ts) asks of the per-runtime command builders
// (spawn_deno.ts, spawn_bun.ts): the types alone, so neither side imports
// the other's code.

import type { DenoPermissions } from "./deno_permissions.ts";

/** What to run in a child process. */
export interface ChildOptions {
  /** The module the child runs. */
  entry: URL;
  /** Arguments after the module. */
  args?: string[];
  /** Modules (paths or file URLs) the child must be able to read (Deno). */
  readable: string[];
  /** The child's permissions instead of the parent's whole grants (Deno). */
  denoPermissions?: DenoPermissions;
}

/** A command line. */
export interface ChildCommand {
  file: string;
  args: string[];
}
