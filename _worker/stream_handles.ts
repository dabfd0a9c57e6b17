// Copyright 2026 the @concurrent/futures authors. MIT license.
// A Deno child's channel without node:net or node:fs. Deno's node layer
// reaches an inherited fd only through them, and together they cost a
// child's main thread 4.0 MiB and 8.2 ms (bench/child_cost_probe.ts,
// `net+fs`, over a bare child that has loaded node:process). Beneath
// net.Socket lie the stream handles that Node's legacy
// `process.binding("pipe_wrap")` exposes, which Deno 2.9 implements
// natively: reading fd 3 and writing fd 4 with them costs 0.6 MiB and
// 0.4 ms (`handles`).
//
// Writes on fd 4 must leave before the next task starts and must not be
// lost at exit (parent_channel.ts). A handle's write tries the fd at once
// and queues what does not fit for the event loop, which a busy task holds;
// with the fd made blocking (`setBlocking(true)`), the first try writes it
// all, waiting while the parent is slow to read, as node:fs's writeSync did
// (measured: 3 MiB written while the parent read nothing for 300 ms, then a
// process.exit(): every byte arrived). Only a write cut short by a signal
// still queues its tail; the next turn of the loop sends it. A write the fd
// refuses (EPIPE) is queued too, and fails at the next turn.
//
// Anything missing (an older or newer Deno, Node, Bun) and the caller uses
// node:net and node:fs, as before: `openStreamHandles` returns undefined.
// An fd a handle holds is no longer node:fs's: a task's fs.writeSync(4) or
// fs.closeSync(4) fails with EBADF instead of spoiling the channel (fd 3 was
// already a net.Socket's).

import process from "node:process";

/** A synchronous sink of bytes: each call writes all of them, or throws. */
export interface SyncOutput {
  /** Writes every byte, or throws an error with a `code` (EPIPE, EBADF, …). */
  write(bytes: Uint8Array): void;
  /** Writes every byte of every chunk, in order. */
  writev(chunks: readonly Uint8Array[]): void;
}

/** The handles of a Deno child's channel. */
export interface StreamHandles {
  /**
   * Reads `fd`: calls `onData` with each chunk, `onEnd` at its end or on an
   * error. Holds the process open while it reads. False, with nothing done,
   * if the fd cannot be opened this way.
   */
  read(fd: number, onData: (chunk: Uint8Array) => void, onEnd: () => void): boolean;
  /**
   * Writes `fd`, made blocking, or undefined if it cannot be made so. A
   * write the fd refuses (EPIPE: the parent is gone) is refused after it
   * returns, through `lost`.
   */
  output(fd: number, lost: (error: Error) => void): SyncOutput | undefined;
}

// What the code below uses of the bindings (Node's names, src/pipe_wrap.cc
// and src/stream_base.cc; Deno's ext/node/ops/stream_wrap.rs).
interface PipeHandle {
  open(fd: number): number;
  readStart(): number;
  setBlocking(blocking: boolean): number;
  writeBuffer(request: object, bytes: Uint8Array): number;
  unref?(): void;
  onread?: (buffer: ArrayBuffer | undefined) => void;
}

interface PipeWrapBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SOCKET: number };
}

interface StreamWrapBinding {
  WriteWrap: new () => { oncomplete?: (status: number) => void };
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

// libuv's codes are -errno on POSIX: the two a channel sees.
const ERROR_CODES: Record<number, string> = { [-32]: "EPIPE", [-9]: "EBADF" };

/** The stream handles, if this runtime has all of them; else undefined. */
export function openStreamHandles(): StreamHandles | undefined {
  // Deno's setBlocking is a stub on Windows (2.9): a write could wait for
  // the event loop there.
  if (process.platform === "win32") return undefined;
  const bindings = loadBindings();
  if (!bindings) return undefined;
  const [pipes, streams] = bindings;
  const state = streams.streamBaseState;
  const open = (fd: number): PipeHandle | undefined => {
    const handle = new pipes.Pipe(pipes.constants.SOCKET);
    // A failed open leaves the fd to node:fs and node:net.
    return handle.open(fd) === 0 ? handle : undefined;
  };
  return {
    read(fd, onData, onEnd) {
      const handle = open(fd);
      if (!handle) return false;
      handle.onread = (buffer) => {
        const read = state[streams.kReadBytesOrError]!;
        if (read < 0 || buffer === undefined) return onEnd();
        onData(new Uint8Array(buffer, state[streams.kArrayBufferOffset], read));
      };
      if (handle.readStart() !== 0) onEnd();
      return true;
    },
    output(fd, lost) {
      const handle = open(fd);
      if (!handle) return undefined;
      if (handle.setBlocking(true) !== 0) return undefined;
      // Writes only: nothing to hold the process open for.
      handle.unref?.();
      // A write that does not complete at once (refused: the handle queues
      // it and reports the error later; cut short by a signal: its tail
      // leaves at the next turn of the loop) ends through its request.
      const oncomplete = (status: number) => {
        if (status < 0) lost(writeError(fd, status));
      };
      const newRequest = () => Object.assign(new streams.WriteWrap(), { oncomplete });
      // One request for every write that completes at once (a new one each
      // time cost 0.25 µs more per write than fs.writeSync; reused, 0.1).
      let request = newRequest();
      const write = (bytes: Uint8Array) => {
        const status = handle.writeBuffer(request, bytes);
        if (status !== 0) throw writeError(fd, status);
        // The request is the queued write's until it ends.
        if (state[streams.kLastWriteWasAsync]) request = newRequest();
      };
      return {
        write,
        writev(chunks) {
          for (const chunk of chunks) write(chunk);
        },
      };
    },
  };
}

function loadBindings(): [PipeWrapBinding, StreamWrapBinding] | undefined {
  const { binding } = process as unknown as { binding?: (name: string) => unknown };
  if (typeof binding !== "function") return undefined;
  try {
    const pipes = binding("pipe_wrap") as Partial<PipeWrapBinding>;
    const streams = binding("stream_wrap") as Partial<StreamWrapBinding>;
    const proto = pipes.Pipe?.prototype as Partial<PipeHandle> | undefined;
    const complete = typeof pipes.constants?.SOCKET === "number" &&
      typeof proto?.open === "function" && typeof proto.readStart === "function" &&
      typeof proto.setBlocking === "function" && typeof proto.writeBuffer === "function" &&
      typeof streams.WriteWrap === "function" && streams.streamBaseState instanceof Int32Array &&
      typeof streams.kReadBytesOrError === "number" &&
      typeof streams.kArrayBufferOffset === "number" &&
      typeof streams.kLastWriteWasAsync === "number";
    return complete ? [pipes as PipeWrapBinding, streams as StreamWrapBinding] : undefined;
  } catch {
    return undefined; // a runtime that refuses the name
  }
}

function writeError(fd: number, status: number): Error {
  const code = ERROR_CODES[status] ?? `UV${status}`;
  return Object.assign(new Error(`Cannot write fd ${fd}: ${code}`), { code });
}
