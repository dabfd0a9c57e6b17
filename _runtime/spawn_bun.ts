// Copyright 2026 the @concurrent/futures authors. MIT license.
// Bun specifics of a child process: its command line. Bun has no
// permissions; the worker code is passed with -e. In a binary made by
// `bun build --compile`, process.execPath is the app itself: BUN_BE_BUN=1
// makes it act as the bun CLI instead of running the app again (and is
// harmless to bun itself, so it is always set; the worker code removes it
// from its environment, so what a task starts is started as usual).

import process from "node:process";
import type { ChildCommand, ChildOptions } from "./child.ts";

/** The command line of a Bun child: `bun -e <worker code> ...args`. */
export function bunCommand(options: ChildOptions): ChildCommand {
  return {
    file: process.execPath,
    args: ["-e", options.source, ...(options.args ?? [])],
    env: { BUN_BE_BUN: "1" },
  };
}
