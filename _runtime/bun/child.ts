// Copyright 2026 the @concurrent/futures authors. MIT license.
// A Bun child's plan: `bun -e <worker code> ...args`. Bun has no
// permissions. In a binary made by `bun build --compile`, process.execPath
// is the app itself: BUN_BE_BUN=1 makes it act as the bun CLI instead of
// running the app again (and is harmless to bun itself, so it is always
// set; the worker code removes it from its environment, so what a task
// starts is started as usual).

import process from "node:process";
import type { ChildOptions, ChildPlan } from "../adapter.ts";

const BE_BUN = Object.freeze({ BUN_BE_BUN: "1" });

/** The plan of every Bun child: the same whatever the task modules. */
export function planBunChild(options: ChildOptions): ChildPlan {
  const plan: ChildPlan = Object.freeze({
    executable: process.execPath,
    args: Object.freeze(["-e", options.source, ...(options.args ?? [])]),
    env: BE_BUN,
    grants: Object.freeze([]),
    covers: () => true,
    including: () => plan,
  });
  return plan;
}
