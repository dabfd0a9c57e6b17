// Test helpers for RedisExecutor: worker nodes as real processes (the
// runnable redis_worker.ts module), started and stopped by the tests, and
// an executor served by an in-process worker for the conformance suite.

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Executor, ShutdownOptions } from "../future.ts";
import { RedisExecutor, type RedisExecutorOptions, serveWorker } from "../redis.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { scriptArgv } from "./_run_script.ts";

const WORKER_MODULE = new URL("../redis_worker.ts", import.meta.url);

/** Options of a worker node process. */
export interface NodeOptions {
  pool?: "process" | "thread";
  workers?: number;
  allow?: string[];
  allowInline?: boolean;
  lease?: number;
  /** The node's name. @default {a fresh one per node} */
  name?: string;
  /** Log each task's start and end. @default {false} */
  verbose?: boolean;
}

/** A worker node process. */
export interface WorkerNode extends AsyncDisposable {
  readonly name: string;
  readonly pid: number;
  /** What it wrote to stderr so far. */
  readonly stderr: string;
  /** Resolves with its exit code (null when killed) and signal. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Sends a signal to the node's own process. */
  kill(signal: NodeJS.Signals): void;
}

let nodes = 0;

/** Starts a worker node process and resolves once it serves the queue. */
export async function startNode(
  url: string,
  queue: string,
  options: NodeOptions = {},
): Promise<WorkerNode> {
  const { pool = "thread", workers = 1, allow = [], allowInline = true, lease } = options;
  const name = options.name ?? `node-${process.pid}-${++nodes}`;
  const args = ["--url", url, "--queue", queue, "--pool", pool, "--workers", String(workers)];
  args.push("--name", name);
  for (const prefix of allow) args.push("--allow", prefix);
  if (allowInline) args.push("--allow-inline");
  if (lease !== undefined) args.push("--lease", String(lease));
  if (options.verbose) args.push("--verbose");
  const child = spawn(process.execPath, scriptArgv(WORKER_MODULE, { args }), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail("did not start within 20 s"), 20_000);
    function fail(why: string) {
      clearTimeout(timer);
      signal(child, "SIGKILL");
      reject(new Error(`Worker node ${name} ${why}\n${stdout}\n${stderr}`));
    }
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (stdout.includes("serving queue")) {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then(({ code }) => fail(`exited with code ${code}`));
  });
  return {
    name,
    pid: child.pid!,
    get stderr() {
      return stderr;
    },
    exited,
    kill: (name) => signal(child, name),
    async [Symbol.asyncDispose]() {
      signal(child, "SIGKILL");
      await exited;
    },
  };
}

// By pid: Deno's ChildProcess.kill() sends only its first signal (see
// _redis_server.ts).
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(child.pid!, name);
  } catch {
    // Already gone.
  }
}

/**
 * A RedisExecutor with its own queue on `url`, served by an in-process
 * worker over a thread pool of `maxWorkers`; shutting it down also stops
 * the worker and its pool.
 */
export class ServedRedisExecutor extends RedisExecutor {
  readonly #local: Executor;
  readonly #stop = new AbortController();
  readonly #served: Promise<void>;
  #stopped: Promise<void> | undefined;

  constructor(
    url: string,
    maxWorkers: number,
    options: Partial<RedisExecutorOptions> = {},
    allow: string[] = [new URL("./", import.meta.url).href],
  ) {
    const queue = `q${Math.random().toString(36).slice(2)}`;
    super({ url, queue, ...options });
    this.#local = new ThreadPoolExecutor({ maxWorkers });
    // A worker that cannot start is reported by shutdown(), not as unhandled.
    this.#served = serveWorker({
      url,
      queue,
      tls: options.tls,
      executor: this.#local,
      allow,
      allowInline: true,
      concurrency: maxWorkers,
      lease: 1_000,
      signal: this.#stop.signal,
    });
    this.#served.catch(() => {});
  }

  override shutdown(options?: ShutdownOptions): Promise<void> {
    const down = super.shutdown(options);
    this.#stopped ??= super.shutdown({ wait: true }).then(async () => {
      this.#stop.abort();
      await this.#served;
      await this.#local.shutdown();
    });
    return options?.wait === false ? down : down.then(() => this.#stopped);
  }
}
