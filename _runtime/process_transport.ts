// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool child process and carries the pool's messages to and from it
// as frames (_wire/codec.ts) over the child's private pipes (spawn.ts).

import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import type { DenoPermissions } from "./deno_permissions.ts";
import { FrameDecoder } from "../_wire/frames.ts";
import type { Transport, TransportEvents } from "../_pool/transport.ts";
import { spawnChild } from "./spawn.ts";

const ENTRY = new URL("../_worker/process_entry.ts", import.meta.url);

/** Starts one child process running `_process_entry.ts`. */
export function startProcess(
  _name: string,
  events: TransportEvents,
  modules: readonly string[],
  denoPermissions: DenoPermissions | undefined,
): Transport {
  const decoder = new FrameDecoder();
  const child = spawnChild(
    {
      entry: ENTRY,
      readable: [...modules],
      ...(denoPermissions ? { denoPermissions } : {}),
    },
    {
      // A frame that does not decode throws here; the child is then killed
      // and the pool breaks with that error as the cause.
      data(chunk) {
        for (const payload of decoder.push(chunk)) {
          events.message(decodeMessage(payload));
        }
      },
      exit: (status) => events.exit(status),
    },
  );
  child.unref();
  return {
    // encodeMessage throws before anything is written, so a value that
    // cannot cross fails its own task only.
    send: (message) => child.write(encodeMessage(message)),
    ref: () => child.ref(),
    unref: () => child.unref(),
    stop: (how) => how === "close" ? child.end() : child.kill(how),
  };
}
