// Copyright 2026 the @concurrent/futures authors. MIT license.
// The configuration a Deno child resolves its task modules with. A child
// runs its worker code from a data: URL, and Deno looks for no deno.json for
// a data: main module: without a flag, a task importing "@/x.ts" or "lodash"
// through the project's import map would fail in a child while it works in
// this process and in its threads.
//
// Deno finds a program's configuration from its main module (measured, Deno
// 2.9.6): for a local main module, the nearest deno.json or deno.jsonc in its
// folder or above, whatever the working directory; failing that, a
// package.json there turns on the node_modules folder ("manual"). A remote
// main module, like a data: one, gets none. A deno.json carries everything
// else that decides resolution (import map, lock file, nodeModulesDir), so
// `--config` is enough. Deno does not tell a program which file it found,
// nor its `--config`, `--import-map` or `--lock` flags: the search below
// repeats Deno's, where this process may read, and `denoConfig` names the
// file where it cannot.

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "../../_future/validate.ts";
import { deno } from "./api.ts";

/**
 * The `denoConfig` option: a deno.json (path or file URL) the children use,
 * or `false` for none.
 */
export type DenoConfigOption = string | URL | false;

/**
 * Checks a `denoConfig` option and makes a path of it.
 *
 * @throws {TypeError} If it is not a path, a file URL or `false`.
 */
export function checkDenoConfig(
  value: unknown,
  action: string,
): string | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value === "string" && value !== "") {
    return value.startsWith("file:") ? fileURLToPath(value) : resolve(value);
  }
  if (value instanceof URL && value.protocol === "file:") return fileURLToPath(value);
  throw new TypeError(
    `Cannot ${action}: denoConfig must be the path or file: URL of a deno.json, or false, received ${
      value instanceof URL ? value.href : describe(value)
    }`,
  );
}

/**
 * The flags that give a Deno child this process's configuration: the
 * config file named, none (`false`), or the one Deno found for this program
 * (`undefined`).
 */
export function denoConfigFlags(config: string | false | undefined): string[] {
  if (config === false) return ["--no-config"];
  if (config !== undefined) return [`--config=${config}`];
  return found ??= discover(deno().mainModule, canRead, isFile);
}

let found: string[] | undefined;

const CONFIG_NAMES = ["deno.json", "deno.jsonc"];

/**
 * Deno's search for a program's configuration, from its main module:
 * `--config` for the nearest deno.json(c), else `--node-modules-dir=manual`
 * for a package.json, else nothing. The search stops at the first folder
 * this process may not read, since what lies there is unknown.
 */
export function discover(
  mainModule: string,
  readable: (path: string) => boolean,
  exists: (path: string) => boolean,
): string[] {
  if (!mainModule.startsWith("file:")) return [];
  let packageJson = false;
  for (let dir = dirname(fileURLToPath(mainModule));; dir = dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const path = join(dir, name);
      if (!readable(path)) return packageJson ? NODE_MODULES : [];
      if (exists(path)) return [`--config=${path}`];
    }
    const path = join(dir, "package.json");
    if (!packageJson && readable(path) && exists(path)) packageJson = true;
    if (dirname(dir) === dir) return packageJson ? NODE_MODULES : [];
  }
}

const NODE_MODULES = ["--node-modules-dir=manual"];

// Never asks: a program that may not read its folder gets no search.
function canRead(path: string): boolean {
  return deno().permissions.querySync({ name: "read", path }).state === "granted";
}

function isFile(path: string): boolean {
  try {
    return deno().statSync(path).isFile;
  } catch {
    return false;
  }
}
