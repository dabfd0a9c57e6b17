// Copyright 2026 the @concurrent/futures authors. MIT license.
// The child's end of the channel to its pool: frames arrive on fd 3 and
// leave on fd 4, so stdout and stderr stay the task's own (the parent
// inherits them) and nothing a task prints can be mistaken for a frame.
//
// Reading fd 3 (variants of bench/transport_probe.ts's echo child; round
// trips/s with one 16 B frame in flight / pipelined 16 B frames/s; Deno
// 2.9.6 and Bun 1.4.5):
// - Deno: a net.Socket on the fd, 18.5 k / 260 k; an fs.ReadStream gives
//   11.0 k / 332 k. Read now by the stream handle beneath net.Socket
//   (stream_handles.ts), without loading node:net: a round trip costs the
//   children 26.7 µs of CPU against 30.0 with the socket.
// - Bun: Bun.file(fd).stream(), 16.9 k / 563 k; an fs.ReadStream gives
//   10.6 k / 737 k (its reads go through a thread pool, which costs
//   latency). A net.Socket on the fd never reads in Bun: the child exits at
//   once, as if nothing held the loop open.
// Writes are synchronous, which is what makes them safe at exit: Deno
// writes fd 4 through a handle made blocking (stream_handles.ts), Bun and
// Node (and Deno without the handles) with fs.writeSync/writevSync, where
// fd 4 is a blocking socket, so a write waits while the parent is slow to
// read instead of failing with EAGAIN. Deno's node:fs can use fds 3 and 4
// only because the parent's node:child_process names them in
// DENO_EXTRA_STDIO_FDS.

import { Buffer } from "node:buffer";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { openStreamHandles, type SyncOutput } from "./stream_handles.ts";

const INPUT_FD = 3;
const OUTPUT_FD = 4;
// Below this many bytes in one flush, one copy into a single buffer is
// cheaper than writev's per-buffer bookkeeping.
const CONCAT_BYTES = 64 * 1024;
// writev takes at most IOV_MAX (1024 on Linux) buffers per call.
const MAX_IOV = 1024;
/** The exit code of a child whose channel to the pool failed (EX_IOERR). */
export const CHANNEL_LOST = 74;

/** The child's side of the channel to the pool. */
export interface ParentChannel {
  /**
   * Queues bytes (whole frames) for the parent. Everything written in one
   * turn of the event loop leaves in one system call, at the end of the
   * turn, or at once when the process exits.
   */
  write(bytes: Uint8Array): void;
  /** Sends what is queued now, without waiting for the end of the turn. */
  flush(): void;
}

/**
 * Opens the channel to the parent.
 *
 * @param onData Called with each chunk read from the parent (a chunk may
 * hold part of a frame or many frames).
 * @param onEnd Called once when the parent closes its end, which it does to
 * retire this child, or which happens by itself when the parent dies. The
 * child should exit then: `process.exit()` still sends what was written.
 * @returns The channel, to write frames on.
 */
export function openParentChannel(
  onData: (chunk: Uint8Array) => void,
  onEnd: () => void,
): ParentChannel {
  const handles = runtime === "deno" ? openStreamHandles() : undefined;
  const writer = new CoalescingWriter((lost) =>
    handles?.output(OUTPUT_FD, lost) ?? fsOutput(OUTPUT_FD)
  );
  // Whatever way the process ends (process.exit in a task, the end of the
  // input), what is queued still leaves. Deno.exit() skips process "exit"
  // listeners but dispatches "unload".
  const last = () => {
    writer.exiting = true;
    writer.flush();
  };
  process.on("exit", last);
  globalThis.addEventListener?.("unload", last);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    writer.flush();
    onEnd();
  };
  if (runtime === "bun") readBunInput(onData, end);
  // A reset means the parent is gone, like end of input.
  else if (!handles?.read(INPUT_FD, onData, end)) readSocket(onData, end);
  return { write: (bytes) => writer.write(bytes), flush: () => writer.flush() };
}

interface NodeBuiltins {
  getBuiltinModule(id: "node:net"): typeof import("node:net");
  getBuiltinModule(id: "node:fs"): typeof import("node:fs");
}

const builtins = process as unknown as NodeBuiltins;

function readSocket(onData: (chunk: Uint8Array) => void, end: () => void): void {
  // Loaded here, not imported: Bun reads otherwise, and node:net costs a
  // Bun child 1.8 MiB (bench/start_ab.ts).
  const { Socket } = builtins.getBuiltinModule("node:net");
  const input = new Socket({ fd: INPUT_FD, readable: true, writable: false });
  input.on("data", onData);
  input.on("end", end);
  // A reset means the parent is gone, like end of input.
  input.on("error", end);
}

// Writes by node:fs, loaded here rather than imported: a Deno child with
// stream handles never loads it.
function fsOutput(fd: number): SyncOutput {
  const fs = builtins.getBuiltinModule("node:fs");
  return {
    write(bytes) {
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
    },
    writev(chunks) {
      const queue = [...chunks];
      let first = 0;
      while (first < queue.length) {
        const batch = queue.slice(first, first + MAX_IOV);
        let written = fs.writevSync(fd, batch);
        // A short write leaves a tail of one buffer and whole buffers after it.
        for (const bytes of batch) {
          if (written >= bytes.length) {
            written -= bytes.length;
            first++;
            continue;
          }
          if (written > 0) queue[first] = bytes.subarray(written);
          break;
        }
      }
    },
  };
}

interface BunFiles {
  file(fd: number): { stream(): ReadableStream<Uint8Array> };
}

async function readBunInput(
  onData: (chunk: Uint8Array) => void,
  end: () => void,
): Promise<void> {
  const bun = (globalThis as unknown as { Bun: BunFiles }).Bun;
  try {
    for await (const chunk of bun.file(INPUT_FD).stream()) onData(chunk);
  } catch {
    // A reset means the parent is gone, like end of input.
  }
  end();
}

class CoalescingWriter {
  /** Set once the process is exiting: a failed write then only drops. */
  exiting = false;
  readonly #output: SyncOutput;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #scheduled = false;
  #broken = false;
  readonly #flush = () => this.flush();

  /** @param open Opens the output; a write it refuses later goes to `lost`. */
  constructor(open: (lost: (error: unknown) => void) => SyncOutput) {
    this.#output = open((error) => this.#lose(error));
  }

  write(bytes: Uint8Array): void {
    if (this.#broken || bytes.length === 0) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A microtask, not setImmediate: results batched in one turn still
      // share a write, and a lone reply is not delayed by a loop turn
      // (ping-pong 12.1 k/s against 10.3 k/s in Bun).
      queueMicrotask(this.#flush);
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const queue = this.#queue;
    const total = this.#queued;
    this.#queue = [];
    this.#queued = 0;
    try {
      if (queue.length === 1) this.#output.write(queue[0]!);
      else if (total <= CONCAT_BYTES) this.#output.write(Buffer.concat(queue, total));
      else this.#output.writev(queue);
    } catch (error) {
      this.#lose(error);
    }
  }

  // The channel is gone: the parent ended or died (EPIPE), or a task closed
  // fd 4 (EBADF). No result can reach the pool again, and a child that stays
  // would keep its futures pending: exit, unless exiting already. Only a
  // task's doing is worth a line: after EPIPE nobody waits for this child,
  // and the line would land after the user's program ended (a program that
  // ends while its pool's children start).
  #lose(error: unknown): void {
    this.#broken = true;
    if (this.exiting) return;
    const code = (error as { code?: string }).code ?? String(error);
    if (code !== "EPIPE") {
      process.stderr.write(
        `@concurrent/futures: a worker lost its channel to the pool (${code}); it exits\n`,
      );
    }
    process.exit(CHANNEL_LOST);
  }
}
