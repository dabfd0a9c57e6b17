// Copyright 2026 the @concurrent/futures authors. MIT license.
// A Deno child's plan: `deno run` with its configuration and permission
// flags, a main module that runs the worker code given as the next
// argument, then the caller's arguments. Checked once, when the pool is
// made; the permission flags are computed again only for a new task module
// (a child is given read or import access to each module it must load).
//
// The parent must be allowed to run Deno.execPath() (the resolved binary: a
// symlink to it does not match) and to read the whole environment, because
// Deno's node:child_process reads every variable to pass the environment on
// (even with an explicit `env` it asks for NODE_V8_COVERAGE), and a child
// without HOME or DENO_DIR would not find the module cache.

import type { ChildOptions, ChildPlan } from "../adapter.ts";
import { dataUrl } from "../source_url.ts";
import { deno, type PermissionDescriptor } from "./api.ts";
import { denoConfigFlags } from "./config.ts";
import {
  checkDenoPermissions,
  childCovers,
  denoPermissionFlags,
  type DenoPermissions,
  type PermissionName,
  type QueryPermission,
} from "./permissions.ts";

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
const PACKAGE_MODULE = new URL("../../mod.ts", import.meta.url).href;

// The child's main module: it runs the worker code, its first argument, as
// an async function (see source_url.ts).
const RUN_FIRST_ARGUMENT = dataUrl("await (async () => {}).constructor(Deno.args[0])();\n");

/**
 * Plans a Deno child, asking an interactive user for what is missing.
 *
 * @throws {Error} In a binary made by `deno compile`; if running
 * Deno.execPath() or reading the environment is not allowed; or if, without
 * `denoPermissions`, this process holds a permission only in part (see
 * `denoPermissionFlags`).
 * @throws {TypeError} If `denoPermissions` asks for more than this process
 * holds.
 */
export function planDenoChild(options: ChildOptions): ChildPlan {
  checkCanRun();
  const permissions = checkDenoPermissions(options.denoPermissions, "start a child process");
  // Refuses what a child must not get, at construction rather than per child.
  denoPermissionFlags(permissions, [], query);
  const head = [
    "run",
    // A child has no terminal to ask on: a permission it lacks fails the
    // task that needed it.
    "--no-prompt",
    // What Deno itself prints (Download …, warnings) is not the task's
    // output; the parent already showed it for what it loaded.
    "--quiet",
    ...denoConfigFlags(options.denoConfig),
  ];
  const tail = [RUN_FIRST_ARGUMENT, options.source, ...(options.args ?? [])];
  return plan(deno().execPath(), head, tail, permissions, options.modules);
}

// The plan of a child that loads `modules`.
function plan(
  executable: string,
  head: readonly string[],
  tail: readonly string[],
  permissions: DenoPermissions | undefined,
  modules: readonly string[],
): ChildPlan {
  const grants = Object.freeze(denoPermissionFlags(
    permissions,
    modules.length > 0 ? [...modules, PACKAGE_MODULE] : [],
    query,
  ));
  const self: ChildPlan = Object.freeze({
    executable,
    args: Object.freeze([...head, ...grants, ...tail]),
    grants,
    covers: (module: string) => childCovers(permissions, modules, module, query),
    including: (more: readonly string[]) =>
      sameList(more, modules) ? self : plan(executable, head, tail, permissions, [...more]),
  });
  return self;
}

function checkCanRun(): void {
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
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
