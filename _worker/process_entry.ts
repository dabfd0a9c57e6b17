// Copyright 2026 the @concurrent/futures authors. MIT license.
// The module a ProcessPoolExecutor child runs: frames from the pool on fd 3,
// frames back on fd 4, tasks run by the same TaskRunner as in threads. The
// child exits when fd 3 ends: when the pool closes it, and when the parent
// dies, even by SIGKILL, so no child outlives its pool. While a task keeps
// the main thread busy, the watchdog on fd 5 ends the child instead.

import process from "node:process";
import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import { FrameDecoder } from "../_wire/frames.ts";
import { openParentChannel } from "./parent_channel.ts";
import type { ToWorker } from "../_wire/protocol.ts";
import { TaskRunner } from "./runner.ts";
import { startWatchdog } from "./watchdog.ts";

/** The lifeline the parent holds open and never writes (see watchdog.ts). */
const LIFELINE_FD = 5;

startWatchdog(LIFELINE_FD);

const decoder = new FrameDecoder();
const channel = openParentChannel((chunk) => {
  for (const payload of decoder.push(chunk)) {
    runner.receive(decodeMessage(payload) as ToWorker);
  }
}, () => process.exit(0));
// The runner batches results itself and posts when they should leave: write
// at once, since a synchronous task run next would hold back a write left
// for the end of the turn (measured: every second fib(30) started 0.8 ms
// (Bun) to 2.4 ms (Deno) late).
const runner = new TaskRunner({
  post(message) {
    channel.write(encodeMessage(message));
    channel.flush();
  },
});
// Errors outside any task are reported so the pool breaks with their cause,
// instead of the child dying with only an exit code to show.
process.on("uncaughtException", (error) => runner.fatal(error));
process.on("unhandledRejection", (error) => runner.fatal(error));
