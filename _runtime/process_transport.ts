// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool child process and carries the pool's messages to and from it
// as frames (_wire/codec.ts) over the child's private pipes (spawn.ts). The
// child runs `_worker/process_entry.ts`, bundled into PROCESS_SOURCE.

import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import type { DenoPermissions } from "./deno_permissions.ts";
import { FrameDecoder } from "../_wire/frames.ts";
import type { Transport, TransportEvents } from "../_pool/transport.ts";
import type { ChildOptions } from "./child.ts";
import { shipEmbeddedModules } from "./embedded_modules.ts";
import { PROCESS_SOURCE } from "./process_source.generated.ts";
import { runtime } from "./runtime.ts";
import { childCovers, spawnChild } from "./spawn.ts";

/** How every child of one pool starts, beyond the modules it must load. */
export interface ProcessSetup {
  denoPermissions: DenoPermissions | undefined;
  denoConfig: string | false | undefined;
}

// Only Bun compiles task modules into a binary whose children cannot read them.
const ship = runtime === "bun" ? shipEmbeddedModules : <T>(message: T) => message;

/** Starts one child process running the process worker code. */
export function startProcess(
  _name: string,
  events: TransportEvents,
  modules: readonly string[],
  setup: ProcessSetup,
): Transport {
  const decoder = new FrameDecoder();
  const options: ChildOptions = { source: PROCESS_SOURCE, modules: [...modules] };
  if (setup.denoPermissions) options.denoPermissions = setup.denoPermissions;
  if (setup.denoConfig !== undefined) options.denoConfig = setup.denoConfig;
  const child = spawnChild(options, {
    // A frame that does not decode throws here; the child is then killed
    // and the pool breaks with that error as the cause.
    data(chunk) {
      for (const payload of decoder.push(chunk)) {
        events.message(decodeMessage(payload));
      }
    },
    exit: (status) => events.exit(status),
  });
  child.unref();
  return {
    // encodeMessage throws before anything is written, so a value that
    // cannot cross fails its own task only.
    send: (message) => child.write(encodeMessage(ship(message))),
    ref: () => child.ref(),
    unref: () => child.unref(),
    stop: (how) => how === "close" ? child.end() : child.kill(how),
    covers: (module) => childCovers(options, module),
  };
}
