// Copyright 2026 the @concurrent/futures authors. MIT license.
// The module a ProcessPoolExecutor child runs: frames from the pool on fd 3,
// frames back on fd 4, tasks run by the same TaskRunner as in threads. The
// child exits when fd 3 ends: when the pool closes it, and when the parent
// dies, even by SIGKILL, so no child outlives its pool. While a task keeps
// the main thread busy, the protocol thread on fd 5 ends the child instead,
// and hands back the tasks the pool asks for (protocol_thread.ts).

import process from "node:process";
import { decodeMessage } from "../_wire/codec.ts";
import { FrameDecoder } from "../_wire/frames.ts";
import { openParentChannel } from "./parent_channel.ts";
import { Msg, SLOTS, type ToWorker } from "../_wire/protocol.ts";
import { TaskRunner } from "./runner.ts";
import { exposeFaults, startProtocolThread } from "./protocol_thread.ts";
import { makeBurstLog } from "./burst_log.ts";
import { ChildOutbox } from "./child_outbox.ts";
import { markProcessWorker } from "../_wire/worker_mark.ts";
import { runtime } from "../_runtime/runtime.ts";

/** The socket the parent holds open for the protocol thread. */
const PROTOCOL_FD = 5;
const CHANNEL_FAULT_HOOK = Symbol.for("@concurrent/futures.channelFault");

// First, before any task module loads this package: this is the real worker
// code, not a copy of the program (see _wire/worker_mark.ts).
markProcessWorker();
// Bun: set by the pool so that a compiled binary acts as bun; a process a
// task starts must start as usual. (Deno has no such variable, and reading
// the environment could need a permission there.)
if (runtime === "bun") delete process.env.BUN_BE_BUN;
// Who may run each task sent here: the main thread or, handing it back, the
// protocol thread (child_ring.ts).
const ring = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
// Where results wait for the next burst, shared with the protocol thread.
const log = makeBurstLog();
// Started first: it boots while the child waits for the pool's first
// message. (Started once Init arrives instead, a child's start measured no
// faster on Deno and 4.6 ms slower on Bun: bench/start_ab.ts.)
const protocol = startProtocolThread(PROTOCOL_FD, ring, log, () => outbox.threadGone());
exposeFaults(protocol);

const decoder = new FrameDecoder();
const channel = openParentChannel((chunk) => {
  for (const payload of decoder.push(chunk)) {
    const message = decodeMessage(payload) as ToWorker;
    if (message[0] === Msg.Init) {
      outbox.token = message[5];
      protocol.setToken(message[5]);
    }
    runner.receive(message);
  }
}, () => process.exit(0));
// Tests: a task in a Deno child cannot write on fd 4 (its stream handle
// holds it, stream_handles.ts) as one in Bun or Node can; a fault test's
// task writes part of a frame there through this
// (tests/fixtures/fault_tasks.ts).
(globalThis as Record<symbol, unknown>)[CHANNEL_FAULT_HOOK] = (bytes: Uint8Array) => {
  channel.write(bytes);
  channel.flush();
};
// Results leave in bursts (burst_log.ts), everything else at once.
const outbox = new ChildOutbox(log, channel);
const runner = new TaskRunner(outbox, ring);
// Whatever way the process ends, what the log holds still leaves (after
// what the channel holds: its own listeners were added first).
process.on("exit", () => outbox.flushAtExit());
globalThis.addEventListener?.("unload", () => outbox.flushAtExit());
// Errors outside any task are reported so the pool breaks with their cause,
// instead of the child dying with only an exit code to show.
process.on("uncaughtException", (error) => runner.fatal(error));
process.on("unhandledRejection", (error) => runner.fatal(error));
