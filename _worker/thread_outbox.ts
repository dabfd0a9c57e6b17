// Copyright 2026 the @concurrent/futures authors. MIT license.
// A pool thread's side of the result ring (see _wire/result_ring.ts): plain
// results go to shared memory, everything else on the result port, and the
// doorbell rings only when the pool is not already due to drain.

import {
  DONE_BUSY,
  DONE_RESULTS,
  FROM_TYPE,
  type FromWorker,
  Msg,
  RESULT_ID,
  RESULT_STATUS,
  RESULT_STRIDE,
  RESULT_VALUE,
  Status,
} from "../_wire/protocol.ts";
import { isPoolArray, packNumbers } from "../_wire/pool_arrays.ts";
import {
  DOORBELL,
  ENTRIES_AT,
  ENTRY,
  FLAG,
  PACKED,
  READ,
  type ResultsSetup,
  RING,
  TOKEN,
  WRITTEN,
} from "../_wire/result_ring.ts";

/**
 * Returns the runner's `post` for a thread given `setup`; `ring` posts the
 * doorbell on the thread's own channel.
 */
export function threadOutbox(
  [port, shared, mapped]: ResultsSetup,
  ring: (doorbell: number) => void,
): (message: FromWorker, transfer?: unknown[]) => void {
  const words = new Int32Array(shared, 0, ENTRIES_AT / Int32Array.BYTES_PER_ELEMENT);
  const entries = new Float64Array(shared, ENTRIES_AT);
  let written = 0;
  return (message, transfer) => {
    if (!transfer && inline(message, RING - ((written - Atomics.load(words, READ)) | 0))) {
      words[TOKEN] = message[0];
      for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
        const to = (written & (RING - 1)) * ENTRY;
        const status = message[at + RESULT_STATUS] as Status;
        entries[to] = message[at + RESULT_ID] as number;
        entries[to + 1] = status;
        entries[to + 2] = status === Status.Ok ? message[at + RESULT_VALUE] as number : 0;
        entries[to + 3] = at === DONE_RESULTS ? message[DONE_BUSY] as number : 0;
        written = (written + 1) | 0;
      }
      Atomics.store(words, WRITTEN, written); // publishes the entries
    } else {
      [message, transfer] = packed(message, transfer);
      toPort(port, mapped, written, message, transfer);
    }
    if (Atomics.exchange(words, FLAG, 1) === 0) ring(DOORBELL);
  };
}

// Posts a message on the result port, tagged with the ring entries it follows.
function toPort(
  port: MessagePort,
  mapped: boolean,
  written: number,
  message: FromWorker,
  transfer: unknown[] | undefined,
): void {
  if (mapped) {
    const tagged = new Map([[written, message]]);
    if (transfer) port.postMessage(tagged, transfer as Transferable[]);
    else port.postMessage(tagged);
  } else {
    // Untagged again for the runner, which reads the message once more if it
    // cannot be sent.
    (message as unknown[]).push(written);
    try {
      if (transfer) port.postMessage(message, transfer as Transferable[]);
      else port.postMessage(message);
    } finally {
      message.pop();
    }
  }
}

// A copy of a done message with each map chunk's results that are all
// numbers packed (PACKED), their buffers added to the transfer list; the
// message itself when there are none. A copy: the runner reads the message
// again if it cannot be sent.
function packed(
  message: FromWorker,
  transfer: unknown[] | undefined,
): [FromWorker, unknown[] | undefined] {
  if (message[FROM_TYPE] !== Msg.Done) return [message, transfer];
  let copy: FromWorker | undefined;
  for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
    const value = message[at + RESULT_VALUE];
    if (message[at + RESULT_STATUS] !== Status.Ok || !isPoolArray(value)) continue;
    const numbers = packNumbers(value);
    if (!numbers) continue;
    copy ??= [...message] as FromWorker;
    copy[at + RESULT_STATUS] = PACKED;
    copy[at + RESULT_VALUE] = numbers;
    (transfer = transfer ? [...transfer] : []).push(numbers.buffer);
  }
  return [copy ?? message, transfer];
}

// A done message whose results all fit the ring as numbers: values that are
// numbers, `undefined` (Void) or none (Cancelled), and room for each.
function inline(message: FromWorker, room: number): boolean {
  if (
    message[FROM_TYPE] !== Msg.Done || (message.length - DONE_RESULTS) / RESULT_STRIDE > room
  ) return false;
  for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
    const status = message[at + RESULT_STATUS];
    if (
      status !== Status.Void && status !== Status.Cancelled &&
      (status !== Status.Ok || typeof message[at + RESULT_VALUE] !== "number")
    ) return false;
  }
  return true;
}
