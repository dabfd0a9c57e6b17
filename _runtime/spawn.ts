// Copyright 2026 the @concurrent/futures authors. MIT license.
// Child processes for the process pool, the same in every runtime: a byte
// channel over two extra pipes (fd 3 to the child, fd 4 from it) while
// stdout and stderr are inherited, so what a task prints reaches the
// parent's own output in order and never touches the channel. What differs
// (the command line, permissions, compiled binaries) is the adapter's
// ChildPlan (adapter.ts), decided before anything starts.
//
// Every runtime starts children with node:child_process. Deno.Command has no
// fd beyond stdio. In Bun, Bun.spawn can open fds 3 and 4 too, but hands back
// raw non-blocking fds: node:fs streams on them fail with EAGAIN, and the
// Bun.file(fd) stream and writer that do work are slower where it counts.
// Bun 1.4.5, the same echo child and channel code, two runs of
// `bun bench/transport_probe.ts --bun-spawn`:
//
//                        start → 1st frame   ping-pong         pipelined 16 B    1 MiB echo
//   node:child_process   52–58 ms            18.2–18.6 k/s     663–671 k/s       137–152 MiB/s
//   Bun.spawn, Bun.file  48–50 ms            16.4–16.6 k/s     229–236 k/s       144–155 MiB/s

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Duplex, Readable, Writable } from "node:stream";
import { clearTimeout, setTimeout } from "node:timers";
import type { ExitStatus } from "../_pool/transport.ts";
import { isProcessWorker, WORKER_ARG } from "../_wire/worker_mark.ts";
import type { ChildOptions, ChildPlan } from "./adapter.ts";
import "./guard.ts";
import { adapter } from "./current.ts";
import { ownChild } from "./dev_reload.ts";
import type { DenoPermissions } from "./deno/permissions.ts";

export type { ChildOptions, ChildPlan } from "./adapter.ts";

/** What a child reports. */
export interface ChildEvents {
  /**
   * Bytes from the child's fd 4, in order, in arbitrary chunks. If it
   * throws, the child is killed and the error is in the exit status's
   * `error`, as is a failure to start.
   */
  data(chunk: Uint8Array): void;
  /**
   * Bytes from the child's protocol thread on fd 5, in order, in arbitrary
   * chunks (absent: ignored). Throwing here is as in `data`.
   */
  control?(chunk: Uint8Array): void;
  /** Exactly once, after the last `data`, however the child ended. */
  exit(status: ExitStatus): void;
}

/** A running child process. */
export interface Child {
  /** Its process id, or undefined when it failed to start. */
  readonly pid: number | undefined;
  /** Sends bytes to the child's fd 3; dropped once the child has exited. */
  write(bytes: Uint8Array): void;
  /** Sends bytes to the child's protocol thread, on fd 5. */
  control(bytes: Uint8Array): void;
  /** Closes fd 3: the child sees end of input and exits. */
  end(): void;
  /** Keeps this program alive while the child runs (the default). */
  ref(): void;
  /** Lets this program exit while the child runs; it then exits too. */
  unref(): void;
  /** Sends a signal; does nothing once the child has exited. */
  kill(signal: "SIGTERM" | "SIGKILL"): void;
}

/**
 * Plans a child of this runtime (the adapter's `planChild`), after checking
 * that this process may start one at all.
 *
 * @throws {Error} Inside a pool's child, or naming what this runtime lacks
 * (the runtime, the Deno or Node flags that are missing).
 * @throws {TypeError} If `options.denoPermissions` asks for more than is held.
 */
export function planChild(options: ChildOptions): ChildPlan {
  if (isProcessWorker()) {
    // As in Python, whose pool workers are daemonic: a pool inside a pool's
    // child could never be an accident that multiplies itself.
    throw new Error(
      "Cannot start child processes: this process is a ProcessPoolExecutor worker, and a worker cannot start a process pool of its own; use a ThreadPoolExecutor inside the task, or submit the work from the parent",
    );
  }
  return adapter.planChild(options);
}

/**
 * Throws unless this runtime can start child processes (and, in Deno, is
 * allowed to: an interactive user is asked). With `denoPermissions`, also
 * checks that this process holds what they ask for.
 *
 * @throws {Error} Naming the runtime, or the flags that are missing.
 * @throws {TypeError} If `denoPermissions` asks for more than is held.
 */
export function checkCanSpawn(denoPermissions?: DenoPermissions): void {
  planChild({ source: "", modules: [], denoPermissions });
}

/**
 * Starts a child process running `options.source`, planned for it alone. A
 * failure to start is reported as `exit({ error })`, never thrown.
 */
export function spawnChild(options: ChildOptions, events: ChildEvents): Child {
  let plan: ChildPlan;
  try {
    plan = planChild(options);
  } catch (error) {
    return failedChild(error, events);
  }
  return spawnPlanned(plan, events);
}

/**
 * Starts a child process as `plan` says. A failure to start is reported as
 * `exit({ error })`, never thrown.
 */
export function spawnPlanned(plan: ChildPlan, events: ChildEvents): Child {
  let child: ChildProcess;
  try {
    // The mark goes last, after the program's own arguments (guard.ts).
    child = spawn(plan.executable, [...plan.args, WORKER_ARG], {
      // fd 3 to the child, fd 4 from it, fd 5 a socket to its protocol
      // thread: held open here, it ends when this process dies, and the
      // thread then ends the child, busy or not.
      stdio: ["ignore", "inherit", "inherit", "pipe", "pipe", "pipe"],
      ...(plan.env ? { env: { ...process.env, ...plan.env } } : {}),
    });
  } catch (error) {
    return failedChild(error, events);
  }
  return new ProcessChild(child, events);
}

function failedChild(error: unknown, events: ChildEvents): Child {
  queueMicrotask(() => events.exit({ code: null, signal: null, error }));
  return {
    pid: undefined,
    write() {},
    control() {},
    end() {},
    ref() {},
    unref() {},
    kill() {},
  };
}

// How long to wait for the child's fd 4 to close after the child has exited,
// counted from the last data. Normally it closes at once; it stays open only
// when the child left a process behind that inherited it (Deno does not
// close inherited fds when a task starts a subprocess). The other way round,
// how long a child whose fd 4 closed has to exit before it is stopped.
const DRAIN_MS = 200;

interface RefStream {
  ref?(): void;
  unref?(): void;
}

class ProcessChild implements Child {
  readonly #process: ChildProcess;
  readonly #events: ChildEvents;
  readonly #input: Writable & RefStream;
  readonly #output: Readable & RefStream;
  readonly #protocol: Duplex & RefStream;
  #writable = true;
  #outputClosed = false;
  #protocolClosed = false;
  #refd = true;
  #exit: ExitStatus | undefined;
  // Why this side stopped the child, if it did: set once, reported at exit.
  #failure: { error: unknown; reason: string } | undefined;
  #drain: ReturnType<typeof setTimeout> | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #reported = false;
  readonly #disown: () => void;

  constructor(child: ChildProcess, events: ChildEvents) {
    this.#process = child;
    this.#disown = ownChild(this);
    this.#events = events;
    this.#input = child.stdio[3] as Writable;
    this.#output = child.stdio[4] as Readable;
    this.#protocol = (child.stdio as unknown[])[5] as Duplex;
    this.#protocol.on("error", () => {}); // EPIPE once the child is gone
    // Bursts come on fd 5 too: the exit is reported after its last one.
    this.#protocol.on("close", () => {
      this.#protocolClosed = true;
      this.#finishOnceRead();
    });
    this.#protocol.on("data", (chunk: Uint8Array) => {
      if (events.control) this.#receive(events.control, chunk);
    });
    child.on("error", (error) => {
      // Before the child started, there will be no exit event.
      if (child.pid === undefined) {
        this.#finish({ code: null, signal: null, error });
      }
    });
    child.on("exit", (code, signal) => {
      const status: ExitStatus = { code, signal };
      if (this.#failure) Object.assign(status, this.#failure);
      this.#exited(status);
    });
    // EPIPE or a reset after the child died: the exit event tells the story.
    this.#input.on("error", () => (this.#writable = false));
    this.#output.on("error", () => this.#output.destroy());
    this.#output.on("data", (chunk: Uint8Array) => this.#receive(events.data, chunk));
    this.#output.on("close", () => {
      this.#outputClosed = true;
      if (this.#exit !== undefined) return void this.#finishOnceRead();
      // The channel closed but the child lives on (a task closed fd 4): it
      // can send no result again. Give an exiting child time to be reaped,
      // then stop it.
      this.#grace = setTimeout(() => {
        this.#fail(
          new Error("The child closed its channel to the pool (fd 4) without exiting"),
          "closed its channel to the pool",
        );
      }, DRAIN_MS);
      if (!this.#refd) this.#grace.unref();
    });
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  write(bytes: Uint8Array): void {
    if (this.#writable) this.#input.write(bytes);
  }

  control(bytes: Uint8Array): void {
    if (this.#writable) this.#protocol.write(bytes);
  }

  #receive(handle: (chunk: Uint8Array) => void, chunk: Uint8Array): void {
    // After bytes that were not frames, nothing more is read: what follows
    // cannot be trusted to be what the child meant to send.
    if (this.#reported || this.#failure) return;
    try {
      handle(chunk);
    } catch (error) {
      // Bytes the parent cannot handle (a corrupt frame) would be an
      // uncaught exception here: stop the child and say why instead.
      this.#fail(error, "sent bytes that are not the pool's messages on its channel");
    }
    if (this.#drain !== undefined) this.#armDrain();
  }

  end(): void {
    if (!this.#writable) return;
    this.#writable = false;
    this.#input.end();
  }

  ref(): void {
    this.#refd = true;
    this.#process.ref();
    this.#input.ref?.();
    this.#output.ref?.();
    this.#protocol.ref?.();
    this.#drain?.ref();
    this.#grace?.ref();
  }

  unref(): void {
    this.#refd = false;
    this.#process.unref();
    this.#input.unref?.();
    this.#output.unref?.();
    this.#protocol.unref?.();
    this.#drain?.unref();
    this.#grace?.unref();
  }

  kill(signal: "SIGTERM" | "SIGKILL"): void {
    if (this.#exit !== undefined || this.#reported) return;
    try {
      this.#process.kill(signal);
    } catch {
      // Deno throws when the child has just exited: nothing to kill.
    }
  }

  #fail(error: unknown, reason: string): void {
    this.#failure ??= { error, reason };
    this.kill("SIGKILL");
  }

  #exited(status: ExitStatus): void {
    if (this.#reported) return; // it never started: already reported
    clearTimeout(this.#grace);
    this.#exit = status;
    this.#writable = false;
    this.#input.destroy();
    // Frames written just before the exit may still be unread: report the
    // exit after the last of them, when fd 4 closes.
    if (!this.#finishOnceRead()) this.#armDrain();
  }

  // Reports the exit once the child exited and fd 4 and fd 5 are both read
  // to their end; true if it did.
  #finishOnceRead(): boolean {
    if (this.#exit === undefined || !this.#outputClosed || !this.#protocolClosed) return false;
    this.#finish(this.#exit);
    return true;
  }

  #armDrain(): void {
    clearTimeout(this.#drain);
    this.#drain = setTimeout(() => this.#finish(this.#exit!), DRAIN_MS);
    if (!this.#refd) this.#drain.unref();
  }

  #finish(status: ExitStatus): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#disown();
    this.#writable = false;
    clearTimeout(this.#drain);
    clearTimeout(this.#grace);
    this.#input.destroy();
    this.#output.destroy();
    this.#protocol.destroy();
    this.#events.exit(status);
  }
}
