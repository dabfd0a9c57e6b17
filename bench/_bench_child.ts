// A child of this runtime for the Redis benches (an echo process, a worker
// node): started with `flags` before the file (runtime flags) and `args`
// after it, ready once it prints its first line.

import { spawn } from "node:child_process";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

/** A started child: its pid, and a stop that resolves once it has exited. */
export interface BenchChild {
  pid: number;
  stop: () => Promise<void>;
}

/**
 * Starts `file` and resolves once it prints a line; rejects if it exits
 * first. Stop it before the server it talks to (an echo child still
 * reading would fail on its way out).
 */
export function startChild(
  file: string,
  args: string[],
  flags: string[] = [],
): Promise<BenchChild> {
  const argv = runtime === "deno"
    ? ["run", "-A", ...flags, file, ...args]
    : [...flags, file, ...args];
  const proc = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${file} exited with ${code}`));
    proc.once("exit", onExit);
    proc.stdout!.once("data", () => {
      proc.off("exit", onExit);
      resolve({
        pid: proc.pid!,
        stop: () => {
          proc.kill("SIGTERM");
          return exited;
        },
      });
    });
  });
}
