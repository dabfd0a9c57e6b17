// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno specifics of a child process: its command line and permissions.
//
// The parent must be allowed to run Deno.execPath() (the resolved binary: a
// symlink to it does not match) and to read the whole environment, because
// Deno's node:child_process reads every variable to pass the environment on
// (even with an explicit `env` it asks for NODE_V8_COVERAGE), and a child
// without HOME or DENO_DIR would not find the module cache.

import { fileURLToPath } from "node:url";
import {
  checkDenoPermissions,
  denoPermissionFlags,
  type DenoPermissions,
  type PermissionName,
  type QueryPermission,
} from "./deno_permissions.ts";
import type { ChildCommand, ChildOptions } from "./child.ts";

// Which field of a permission descriptor names one entry.
const ENTRY_KEY: Record<PermissionName, string> = {
  read: "path",
  write: "path",
  ffi: "path",
  net: "host",
  import: "host",
  env: "variable",
  run: "command",
  sys: "kind",
};

const query: QueryPermission = (name, entry) => {
  const descriptor = entry === undefined ? { name } : { name, [ENTRY_KEY[name]]: entry };
  const { state, partial } = Deno.permissions.querySync(
    descriptor as Deno.PermissionDescriptor,
  );
  // Granted with `partial`: a --deny-* flag (or a list) leaves some out.
  return state === "granted" && partial ? "partial" : state;
};

/**
 * Throws unless this process may start Deno children, asking an interactive
 * user for what is missing; then checks `permissions` against what this
 * process holds.
 *
 * @throws {Error} If running Deno.execPath() or reading the environment is
 * not allowed, or if, without `permissions`, this process holds a
 * permission only in part (see `denoPermissionFlags`).
 * @throws {TypeError} If `permissions` asks for more than this process holds.
 */
export function checkDenoCanSpawn(permissions?: DenoPermissions): void {
  const execPath = Deno.execPath();
  const missing: string[] = [];
  const wanted: [Deno.PermissionDescriptor, string][] = [
    [{ name: "run", command: execPath }, `--allow-run=${execPath}`],
    [{ name: "env" }, "--allow-env"],
  ];
  for (const [descriptor, flag] of wanted) {
    let state = Deno.permissions.querySync(descriptor).state;
    // Under --no-prompt or without a terminal this answers "denied" at once.
    if (state === "prompt") {
      state = Deno.permissions.requestSync(descriptor).state;
    }
    if (state !== "granted") missing.push(flag);
  }
  if (missing.length > 0) {
    throw new Error(
      `Cannot start child processes in Deno: run with ${
        missing.join(" ")
      } (or -A); a process pool runs Deno.execPath() and passes the environment on`,
    );
  }
  // Refuses what a child must not get, at construction rather than per child.
  denoPermissionFlags(checkDenoPermissions(permissions, "start a child process"), [], query);
}

/**
 * The command line of a Deno child: `deno run` with its permission flags.
 *
 * @throws {TypeError} If `permissions` asks for more than this process holds.
 */
export function denoCommand(options: ChildOptions): ChildCommand {
  const flags = denoPermissionFlags(
    checkDenoPermissions(options.denoPermissions, "start a child process"),
    options.readable.flatMap(toPath),
    query,
  );
  return {
    file: Deno.execPath(),
    // --no-prompt: a child has no terminal to ask on; a permission it lacks
    // fails the task that needed it.
    args: [
      "run",
      "--no-prompt",
      ...flags,
      options.entry.href,
      ...(options.args ?? []),
    ],
  };
}

// Read permission is about files: a remote module needs none.
function toPath(module: string): string[] {
  if (module.startsWith("file:")) return [fileURLToPath(module)];
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? [] : [module];
}
