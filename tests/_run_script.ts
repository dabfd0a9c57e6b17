// Test helpers for what only a whole program shows: exiting by itself,
// output, dying parents, processes that must be gone.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

/** What a finished script left behind. */
export interface ScriptResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** How to run a script. */
export interface ScriptOptions {
  /** Arguments after the script. */
  args?: string[];
  /** Deno's permission flags instead of `-A` (ignored by Bun and Node). */
  denoFlags?: string[];
  /** Node's flags, before the script (ignored by Deno and Bun). */
  nodeFlags?: string[];
  /** A script still running after this long is a hang: killed, rejected. */
  limitMs?: number;
}

/** The command line that runs `file` in this runtime. */
export function scriptArgv(file: URL, options: ScriptOptions = {}): string[] {
  const { args = [], denoFlags = ["-A"], nodeFlags = [] } = options;
  if (runtime === "deno") return ["run", ...denoFlags, file.pathname, ...args];
  if (runtime === "node") return [...nodeFlags, file.pathname, ...args];
  return [file.pathname, ...args];
}

/** Runs `file` with `deno run`, `bun` or `node` and resolves when it exits. */
export function runScript(
  file: URL,
  options: ScriptOptions = {},
): Promise<ScriptResult> {
  return runCommand(process.execPath, scriptArgv(file, options), { limitMs: options.limitMs });
}

/** How to run a command. */
export interface CommandOptions {
  /** Its working directory; by default this process's. */
  cwd?: string;
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** A command still running after this long is a hang: killed, rejected. */
  limitMs?: number | undefined;
}

/** Runs a command to its end, collecting its output. */
export function runCommand(
  file: string,
  args: string[],
  options: CommandOptions = {},
): Promise<ScriptResult> {
  const { cwd, env, limitMs = 30_000 } = options;
  const child = spawn(file, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd ? { cwd } : {}),
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} ${args.join(" ")} ran over ${limitMs} ms\n${stdout}\n${stderr}`));
    }, limitMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Tells whether a process runs. A zombie counts as gone: in this sandbox
 * nothing reaps orphans, so an exited orphan stays a zombie.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return process.platform !== "linux";
  }
}

/** Polls for a condition for up to `limitMs`: waiting for a state, not a delay. */
export async function waitFor(
  check: () => boolean,
  limitMs = 5000,
): Promise<boolean> {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
