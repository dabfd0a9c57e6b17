// Copyright 2026 the @concurrent/futures authors. MIT license.
// The one interface between the pool and a worker, whatever carries it: a
// thread (structured clone over postMessage) or a child process (frames over
// pipes). The runtime adapters in _runtime/ implement it.

import type { Transferable } from "../_future/call.ts";
import type { ToWorker } from "../_wire/protocol.ts";

/** How a worker ended. */
export interface ExitStatus {
  /** The exit code, when it exited by itself. */
  code: number | null;
  /** The signal that killed it (processes). */
  signal: string | null;
  /**
   * Why it ended, when the reason is on this side: it could not start, or
   * what it sent could not be read (it was then stopped).
   */
  error?: unknown;
  /**
   * What went wrong, as a phrase after the worker's name, when the
   * transport knows better than "exited unexpectedly" or "could not start":
   * "closed its channel to the pool", "sent bytes that are not frames".
   */
  reason?: string;
}

/** Events a transport reports about its worker. */
export interface TransportEvents {
  /** What arrived, unchecked: a task can post messages of its own. */
  message(message: unknown): void;
  /** Exactly once, after the last message, however the worker ended. */
  exit(status: ExitStatus): void;
}

/** How the pool reaches one worker: a thread or a child process. */
export interface Transport {
  /**
   * Sends a message; throws if it cannot be serialized (nothing is sent).
   * `transfer` is moved, not copied, where the worker shares the process
   * (threads); a child process gets copies.
   */
  send(message: ToWorker, transfer?: Transferable[]): void;
  /**
   * Processes: asks the child to hand back tasks it has not started, given
   * as pairs of task id and the task's sequence number on this worker (its
   * place among all tasks sent). The answer arrives as a ReturnedMessage,
   * even while the child's main thread is busy. Threads have none: the pool
   * claims their slots itself.
   *
   * With `halt`, the child then sends what it finished and ends itself: the
   * pool stops it so for a stopped task, and knows that every task it does
   * not get back may have begun.
   */
  reclaim?(tasks: readonly number[], halt?: boolean): void;
  /** Keeps the program alive while this worker is busy. */
  ref(): void;
  /** Lets the program exit while this worker is idle. */
  unref(): void;
  /** Ends the worker: "close" when it is idle, or by force. */
  stop(how: "close" | "SIGTERM" | "SIGKILL"): void;
  /**
   * Tells whether this worker can load a task module first submitted after
   * it started (a Deno child holds read access only to the modules known at
   * its start). False retires it: a new worker, started with the module,
   * takes its place. Absent: always true.
   */
  covers?(module: string): boolean;
}

/**
 * Starts a worker named `name`; `modules` are the task modules submitted so
 * far (a Deno child is given access to them). A failure to start is
 * reported as `events.exit({ error })`, never thrown.
 */
export type StartWorker = (
  name: string,
  events: TransportEvents,
  modules: readonly string[],
) => Transport;
