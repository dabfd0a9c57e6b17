// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno specifics of a child process: its command line, permissions and
// configuration.
//
// The parent must be allowed to run Deno.execPath() (the resolved binary: a
// symlink to it does not match) and to read the whole environment, because
// Deno's node:child_process reads every variable to pass the environment on
// (even with an explicit `env` it asks for NODE_V8_COVERAGE), and a child
// without HOME or DENO_DIR would not find the module cache.

import {
  checkDenoPermissions,
  childCovers,
  denoPermissionFlags,
  type DenoPermissions,
  type PermissionName,
  type QueryPermission,
} from "./deno_permissions.ts";
import type { ChildOptions } from "./adapter.ts";
import { deno, type PermissionDescriptor } from "./deno_api.ts";
import { denoConfigFlags } from "./deno_config.ts";
import { dataUrl } from "./source_url.ts";

// Which field of a permission descriptor names one entry.
const ENTRY_KEY: Record<PermissionName, keyof PermissionDescriptor> = {
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
  const descriptor: PermissionDescriptor = { name };
  if (entry !== undefined) descriptor[ENTRY_KEY[name]] = entry;
  const { state, partial } = deno().permissions.querySync(descriptor);
  // Granted with `partial`: a --deny-* flag (or a list) leaves some out.
  return state === "granted" && partial ? "partial" : state;
};

// A task module may import this package: a child that loads task modules
// may load it from where this process got it (a folder this process may
// read, or a host it may import from).
const PACKAGE_MODULE = new URL("../mod.ts", import.meta.url).href;

/**
 * Throws unless this process may start Deno children, asking an interactive
 * user for what is missing; then checks `permissions` against what this
 * process holds.
 *
 * @throws {Error} In a binary made by `deno compile`; if running
 * Deno.execPath() or reading the environment is not allowed; or if, without
 * `permissions`, this process holds a permission only in part (see
 * `denoPermissionFlags`).
 * @throws {TypeError} If `permissions` asks for more than this process holds.
 */
export function checkDenoCanSpawn(permissions?: DenoPermissions): void {
  const api = deno();
  if (api.build.standalone) {
    // Deno.execPath() is the program: a child would run the program again.
    throw new Error(
      "Cannot start child processes in a binary made by deno compile: its executable is the program itself, not Deno, so a worker would run the program again; use a ThreadPoolExecutor there, or run the program with deno run",
    );
  }
  const execPath = api.execPath();
  const missing: string[] = [];
  const wanted: [PermissionDescriptor, string][] = [
    [{ name: "run", command: execPath }, `--allow-run=${execPath}`],
    [{ name: "env" }, "--allow-env"],
  ];
  for (const [descriptor, flag] of wanted) {
    let state = api.permissions.querySync(descriptor).state;
    // Under --no-prompt or without a terminal this answers "denied" at once.
    if (state === "prompt") {
      state = api.permissions.requestSync(descriptor).state;
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

// The child's main module: it runs the worker code, its first argument, as
// an async function (see source_url.ts).
const RUN_FIRST_ARGUMENT = dataUrl("await (async () => {}).constructor(Deno.args[0])();\n");

/**
 * The command line of a Deno child: `deno run` with its configuration and
 * permission flags, a main module that runs the worker code given as the
 * next argument, then `options.args`.
 *
 * @throws {TypeError} If `permissions` asks for more than this process holds.
 */
export function denoCommand(
  options: ChildOptions,
): { file: string; args: string[]; env?: Record<string, string> } {
  const flags = denoPermissionFlags(
    checkDenoPermissions(options.denoPermissions, "start a child process"),
    options.modules.length > 0 ? [...options.modules, PACKAGE_MODULE] : [],
    query,
  );
  return {
    file: deno().execPath(),
    args: [
      "run",
      // A child has no terminal to ask on: a permission it lacks fails the
      // task that needed it.
      "--no-prompt",
      // What Deno itself prints (Download …, warnings) is not the task's
      // output; the parent already showed it for what it loaded.
      "--quiet",
      ...denoConfigFlags(options.denoConfig),
      ...flags,
      RUN_FIRST_ARGUMENT,
      options.source,
      ...(options.args ?? []),
    ],
  };
}

/** Tells whether a child started with `options` can load `module` (see `childCovers`). */
export function denoChildCovers(options: ChildOptions, module: string): boolean {
  return childCovers(options.denoPermissions, options.modules, module, query);
}
