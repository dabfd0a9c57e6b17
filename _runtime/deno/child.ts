// Copyright 2026 the @concurrent/futures authors. MIT license.
// A Deno child's plan: checked and computed once per set of task modules
// (a child is given read or import access to each module it must load, so
// a new module makes a new plan), then read at every start.

import type { ChildOptions, ChildPlan } from "../adapter.ts";
import { checkDenoCanSpawn, denoChildCovers, denoCommand } from "../spawn_deno.ts";

/**
 * Plans a Deno child, asking an interactive user for what is missing.
 *
 * @throws {Error} In a binary made by `deno compile`, without permission to
 * run Deno.execPath() or read the environment, or holding a permission only
 * in part that `denoPermissions` does not spell out.
 * @throws {TypeError} If `denoPermissions` asks for more than is held.
 */
export function planDenoChild(options: ChildOptions): ChildPlan {
  checkDenoCanSpawn(options.denoPermissions);
  return plan(options);
}

function plan(options: ChildOptions): ChildPlan {
  const { file, args, env } = denoCommand(options);
  const self: ChildPlan = Object.freeze({
    executable: file,
    args: Object.freeze(args),
    env,
    grants: Object.freeze(args.filter((arg) => /^--(allow|deny)-/.test(arg))),
    covers: (module: string) => denoChildCovers(options, module),
    including: (modules: readonly string[]) =>
      sameList(modules, options.modules) ? self : plan({ ...options, modules: [...modules] }),
  });
  return self;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
