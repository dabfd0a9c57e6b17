// Copyright 2026 the @concurrent/futures authors. MIT license.
// A Node child's plan: `node <the parent's flags> --input-type=module -e
// <worker code> ...args`, made once per pool. The parent's flags that change
// how code loads or runs go with it (exec_argv.ts), the permission model's
// among them, so a child holds what its parent holds and no more.

import process from "node:process";
import type { ChildOptions, ChildPlan } from "../adapter.ts";
import { childExecArgv } from "./exec_argv.ts";
import { checkNodePermissions, type NodePermission } from "./permissions.ts";

interface NodeProcess {
  permission?: NodePermission;
  getBuiltinModule?(id: string): unknown;
}

/**
 * Plans a Node child.
 *
 * @throws {Error} In a single-executable application, or under the
 * permission model without the flags a pool needs.
 */
export function planNodeChild(options: ChildOptions): ChildPlan {
  const node = process as unknown as NodeProcess;
  if (isSea(node)) {
    // process.execPath is the program: a child would run the program again.
    throw new Error(
      "Cannot start child processes in a Node single-executable application: its executable is the program itself, not Node, so a worker would run the program again; use a ThreadPoolExecutor there, or run the program with node",
    );
  }
  checkNodePermissions(node.permission, "child processes");
  const flags = childExecArgv(process.execArgv);
  const grants = flags.filter((flag) => PERMISSION_FLAG.test(flag));
  const nodeOptions = childNodeOptions(process.env.NODE_OPTIONS);
  const env = nodeOptions === undefined ? undefined : { NODE_OPTIONS: nodeOptions };
  const plan: ChildPlan = Object.freeze({
    executable: process.execPath,
    args: Object.freeze([
      ...flags,
      // Node warns about --allow-child-process and --allow-worker at every
      // start, and again in every thread: the parent has said it once.
      ...(grants.length > 0 ? ["--disable-warning=SecurityWarning"] : []),
      "--input-type=module",
      "-e",
      options.source,
      ...(options.args ?? []),
    ]),
    env,
    grants: Object.freeze(grants),
    covers: () => true,
    including: () => plan,
  });
  return plan;
}

const PERMISSION_FLAG = /^--(experimental-)?permission$|^--allow-/;

function isSea(node: NodeProcess): boolean {
  const sea = node.getBuiltinModule?.("node:sea") as { isSea?(): boolean } | undefined;
  return sea?.isSea?.() === true;
}

/**
 * NODE_OPTIONS reaches a child through the environment: the child's value
 * without the options it must not repeat (a debugger's port, a watcher), or
 * undefined when it holds none of them and is passed on as it is.
 */
export function childNodeOptions(options: string | undefined): string | undefined {
  if (!options) return undefined;
  const words = options.split(/\s+/).filter((word) => word !== "");
  const kept = childExecArgv(words);
  return kept.length === words.length ? undefined : kept.join(" ");
}
