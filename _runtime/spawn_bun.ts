// Copyright 2026 the @concurrent/futures authors. MIT license.
// Bun specifics of a child process: its command line. Bun has no
// permissions, and runs a file path directly.

import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ChildCommand, ChildOptions } from "./child.ts";

/** The command line of a Bun child: `bun <entry> ...args`. */
export function bunCommand(options: ChildOptions): ChildCommand {
  const entry = options.entry.protocol === "file:"
    ? fileURLToPath(options.entry)
    : options.entry.href;
  return { file: process.execPath, args: [entry, ...(options.args ?? [])] };
}
