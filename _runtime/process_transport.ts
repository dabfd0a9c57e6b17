// Copyright 2026 the @concurrent/futures authors. MIT license.
// Starts a pool child process and carries the pool's messages to and from it
// as frames (_wire/codec.ts) over the child's private pipes (spawn.ts). The
// child runs `_worker/process_entry.ts`, bundled into PROCESS_SOURCE.

import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import { encodeFrame, FrameDecoder } from "../_wire/frames.ts";
import { Msg } from "../_wire/protocol.ts";
import type { Transport, TransportEvents } from "../_pool/transport.ts";
import type { ChildOptions, ChildPlan } from "./adapter.ts";
import { adapter } from "./current.ts";
import { PROCESS_SOURCE } from "./process_source.generated.ts";
import { planChild, spawnPlanned } from "./spawn.ts";
import { BurstOrder } from "./burst_order.ts";
import { packChunkNumbers } from "./chunk_numbers.ts";

/** How every child of one pool starts, beyond the modules it must load. */
export type ProcessSetup = Pick<ChildOptions, "denoPermissions" | "denoConfig">;

// The first byte of the protocol thread's answers (bursts start with the
// codec's tag, never 0).
const ANSWER = 0;
const ship = adapter.shipToChild ?? (<T>(message: T) => message);

/**
 * Plans the children of one pool, once, at its construction: the plan is
 * read at every start, and a new one is made only for a new task module.
 *
 * @throws {Error} If this process may not start them (see `planChild`).
 * @throws {TypeError} If the setup asks for more than this process holds.
 */
export function planProcesses(setup: ProcessSetup): ChildPlan {
  return planChild({ source: PROCESS_SOURCE, modules: [], ...setup });
}

/** Starts one child process running the process worker code, as `plan` says. */
export function startProcess(
  _name: string,
  events: TransportEvents,
  plan: ChildPlan,
): Transport {
  const decoder = new FrameDecoder();
  const controlDecoder = new FrameDecoder();
  const order = new BurstOrder((message) => events.message(message));
  const child = spawnPlanned(plan, {
    // A frame that does not decode throws here; the child is then killed
    // and the pool breaks with that error as the cause.
    data(chunk) {
      for (const payload of decoder.push(chunk)) {
        order.fromMain(decodeMessage(payload) as unknown[]);
      }
    },
    // The protocol thread's bursts, and its answers: a zero byte, then the
    // token and the ids handed back.
    control(chunk) {
      for (const payload of controlDecoder.push(chunk)) {
        if (payload[0] !== ANSWER) order.fromThread(decodeMessage(payload) as unknown[]);
        else {
          const [token, ...ids] = readFloats(payload.subarray(1));
          events.message([token, Msg.Returned, ...ids]);
        }
      }
    },
    exit: (status) => events.exit(status),
  });
  child.unref();
  return {
    // encodeMessage throws before anything is written, so a value that
    // cannot cross fails its own task only.
    send(message) {
      if (message[0] === Msg.Init) order.token = message[5];
      // A map's chunks of numbers cross in the clone format, as one
      // Float64Array (chunk_numbers.ts).
      packChunkNumbers(message, true);
      child.write(encodeMessage(ship(message)));
    },
    // A halt is asked with a first pair of -1s.
    reclaim: (tasks, halt) =>
      child.control(encodeFrame(writeFloats(halt ? [-1, -1, ...tasks] : tasks))),
    ref: () => child.ref(),
    unref: () => child.unref(),
    stop: (how) => how === "close" ? child.end() : child.kill(how),
    covers: (module) => plan.covers(module),
  };
}

// The protocol thread's frames carry float64s, little-endian (ids and
// sequence numbers can pass 2^32 in a long-lived pool).
function writeFloats(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat64(8 * i, value, true));
  return bytes;
}

function readFloats(bytes: Uint8Array): number[] {
  if (bytes.length % 8 !== 0) {
    throw new TypeError(`A control frame of ${bytes.length} bytes is not float64s`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
}
