// Test helper: runs a server under a development loop (`deno run --watch`,
// `--watch-hmr`, `bun --hot`, `node --watch`), edits it, and counts what the
// process holds.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { WORKER_ARG } from "../_wire/worker_mark.ts";
import { liveProcesses } from "./_procfs.ts";

/** A server under a development loop, started by {@linkcode startDevLoop}. */
export interface DevLoop {
  readonly pid: number;
  /** Rewrites the server as generation `gen` and waits until it serves. */
  edit(gen: number): Promise<void>;
  /** Asks the current generation for one task's result. */
  request(): Promise<string>;
  /** The live processes under the dev process (zombies not counted). */
  children(): number[];
  /**
   * The live pool children under the dev process: those whose command line
   * ends with the worker mark. `node --watch` runs the program itself as a
   * child of the watcher, which this leaves out.
   */
  poolChildren(): number[];
  /**
   * The pool threads of the dev process and the processes under it: OS
   * threads named after the default `threadNamePrefix` (Linux keeps 15
   * characters of a thread's name). The runtime's own threads, which come and
   * go under load, are not counted.
   */
  poolThreads(): number;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `source(gen, port)` as generation 0 under `flags` of this runtime
 * (e.g. `["run", "--watch", "-A"]` or `["--hot"]`). The server prints
 * `ready <gen>` once it listens.
 */
export async function startDevLoop(
  flags: string[],
  source: (gen: number, port: number) => string,
): Promise<DevLoop> {
  const dir = mkdtempSync(join(tmpdir(), "dev-loop-"));
  const file = join(dir, "server.ts");
  const port = await freePort();
  writeFileSync(file, source(0, port));
  const child = spawn(process.execPath, [...flags, file], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, killed whole at the end
  });
  const closed = new Promise((resolve) => child.once("close", resolve));
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d));
  const ready = (gen: number) => waitForLine(child, () => output, `ready ${gen}`);
  const pid = child.pid!;
  const loop: DevLoop = {
    pid,
    async edit(gen) {
      writeFileSync(file, source(gen, port));
      await ready(gen);
    },
    async request() {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      return await response.text();
    },
    children: () => liveDescendants(pid),
    poolChildren: () => liveDescendants(pid).filter(isPoolChild),
    poolThreads: () =>
      [pid, ...liveDescendants(pid)].reduce((sum, each) => sum + poolThreadsOf(each), 0),
    async [Symbol.asyncDispose]() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await ready(0);
  } catch (error) {
    // A server that never served (a loop that waits for an edit after a
    // crash, as node --watch does) is still ended, with its group.
    await loop[Symbol.asyncDispose]();
    throw error;
  }
  return loop;
}

function waitForLine(
  child: ChildProcess,
  output: () => string,
  line: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!output().split("\n").includes(line)) return;
      done();
      resolve();
    };
    const exited = () => {
      done();
      reject(new Error(`The dev process exited before "${line}":\n${output()}`));
    };
    // A restart takes well under a second; 20 s means it never came.
    const timer = setTimeout(() => {
      done();
      reject(new Error(`No "${line}" within 20 s:\n${output()}`));
    }, 20_000);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", exited);
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("exit", exited);
    check();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function poolThreadsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).filter((task) => {
      try {
        return readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").startsWith(
          "ThreadPoolExec",
        );
      } catch {
        return false; // ended meanwhile
      }
    }).length;
  } catch {
    return 0; // the process ended meanwhile
  }
}

function isPoolChild(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return argv.at(-1) === WORKER_ARG;
  } catch {
    return false; // ended meanwhile
  }
}

function liveDescendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const { pid, parent } of liveProcesses()) {
    const siblings = byParent.get(parent) ?? [];
    siblings.push(pid);
    byParent.set(parent, siblings);
  }
  const found: number[] = [];
  for (const stack = [root]; stack.length > 0;) {
    for (const pid of byParent.get(stack.pop()!) ?? []) {
      found.push(pid);
      stack.push(pid);
    }
  }
  return found;
}
