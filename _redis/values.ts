// Copyright 2026 the @concurrent/futures authors. MIT license.
// Values between machines: the process pool's codec (JSON when JSON
// represents the value exactly, else the runtime's structured-clone format),
// with two differences. The clone format differs between runtimes (V8's in
// Deno, JavaScriptCore's in Bun) and the two cannot read each other, so the
// first byte names the format, and a value cloned by the other runtime is
// refused with a TypeError that says so instead of being misread; JSON
// values cross between runtimes freely. And a payload is always text (clone
// bytes go as base64), so both sides read whole entries as strings: decoding
// ten short fields a task as bytes cost the worker more than the task.
//
// A task's outcome travels as a small array: [Ok, value], [Void],
// [Error, thrown], [ChunkError, values, thrown] or [TimedOut, ms].

import { Buffer } from "node:buffer";
import { decodeMessage, encodeMessage, TAG_CLONE, TAG_JSON } from "../_wire/codec.ts";
import { HEADER_BYTES } from "../_wire/frames.ts";
import { bareThrown, fromThrown, isThrown, type Thrown, toThrown } from "../_wire/thrown.ts";
import { engine, runtime } from "../_runtime/runtime.ts";

/** The first byte of a payload cloned by Bun (JavaScriptCore); V8's keeps TAG_CLONE. */
const TAG_JSC = 3;
const OWN_CLONE_TAG = engine === "jsc" ? TAG_JSC : TAG_CLONE;
const FORMAT_NAMES: Record<number, string> = {
  [TAG_CLONE]: "Deno's (V8)",
  [TAG_JSC]: "Bun's (JavaScriptCore)",
};

/**
 * Encodes a value for a stream entry: the format's tag byte, then JSON text
 * or the clone bytes in base64.
 *
 * @throws {TypeError} "Cannot serialize …" if the value cannot cross.
 */
export function encodeValue(value: unknown): Uint8Array {
  const payload = encodeMessage(value).subarray(HEADER_BYTES);
  if (payload[0] === TAG_JSON) return payload;
  const base64 = Buffer.from(payload.buffer, payload.byteOffset + 1, payload.length - 1)
    .toString("base64");
  const out = Buffer.allocUnsafe(1 + base64.length);
  out[0] = OWN_CLONE_TAG;
  out.write(base64, 1, "latin1");
  return out;
}

/**
 * Decodes a payload made by {@linkcode encodeValue}, read as text.
 *
 * @throws {TypeError} If the payload is not one, or was cloned by the other runtime.
 */
export function decodeValue(payload: string): unknown {
  const tag = payload.charCodeAt(0);
  try {
    if (tag === TAG_JSON) return JSON.parse(payload.slice(1));
    if (tag === OWN_CLONE_TAG) {
      const bytes = Buffer.allocUnsafe(payload.length); // base64 is never longer
      bytes[0] = TAG_CLONE;
      const length = bytes.write(payload.slice(1), 1, "base64");
      return decodeMessage(bytes.subarray(0, 1 + length));
    }
  } catch (error) {
    throw new TypeError(`Cannot decode value: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
  const format = FORMAT_NAMES[tag];
  if (format !== undefined) {
    throw new TypeError(
      `Cannot decode value: it was serialized with ${format} format, which ${runtime} cannot read; run the executor and its workers on the same runtime, or send only JSON values`,
    );
  }
  throw new TypeError(`Cannot decode value: unknown format tag ${tag}`);
}

/** How the outcome of a chunk that succeeded with JSON values starts, as text. */
export const OK_PREFIX = "\x01[0,[";

/** How a task ended, as the first item of its outcome. */
export const Outcome = {
  Ok: 0,
  /** Returned `undefined`: sent without a value, to stay on the JSON path. */
  Void: 1,
  Error: 2,
  ChunkError: 3,
  /** Ran longer than its timeLimit; the item after it is the limit. */
  TimedOut: 4,
} as const;

/** A task's outcome, decoded. */
export type DecodedOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown }
  | { ok: false; chunkValues: unknown[]; error: unknown }
  | { ok: false; timeLimit: number };

/** Encodes a successful outcome; an uncloneable value becomes a TypeError outcome. */
export function encodeResult(value: unknown): Uint8Array {
  if (value === undefined) return encodeValue([Outcome.Void]);
  try {
    return encodeValue([Outcome.Ok, value]);
  } catch (error) {
    return encodeError(
      new TypeError(
        `Cannot send the task's result back: ${(error as Error).message}`,
        { cause: error },
      ),
    );
  }
}

/** Encodes what a task threw. Never throws. */
export function encodeError(error: unknown): Uint8Array {
  return encodeThrown([Outcome.Error], toThrown(error));
}

/** Encodes a chunk that failed part-way: the values before the failing call, then its error. */
export function encodeChunkError(values: unknown[], error: unknown): Uint8Array {
  return encodeChunkThrown(values, toThrown(error));
}

/** As {@linkcode encodeChunkError}, with the error already a wire record. */
export function encodeChunkThrown(values: unknown[], thrown: Thrown): Uint8Array {
  try {
    return encodeValue([Outcome.ChunkError, values, thrown]);
  } catch {
    // The values before it could not cross: report the error alone.
    return encodeThrown([Outcome.Error], thrown);
  }
}

/** Encodes "ran longer than its timeLimit". */
export function encodeTimedOut(timeLimit: number): Uint8Array {
  return encodeValue([Outcome.TimedOut, timeLimit]);
}

function encodeThrown(head: unknown[], thrown: Thrown): Uint8Array {
  try {
    return encodeValue([...head, thrown]);
  } catch {
    return encodeValue([...head, bareThrown(thrown)]);
  }
}

/**
 * Decodes an outcome.
 *
 * @throws {TypeError} If the payload is not an outcome.
 */
export function decodeOutcome(payload: string): DecodedOutcome {
  const message = decodeValue(payload);
  if (Array.isArray(message)) {
    const [status, a, b] = message;
    if (status === Outcome.Ok) return { ok: true, value: a };
    if (status === Outcome.Void) return { ok: true, value: undefined };
    if (status === Outcome.Error && isThrown(a)) return { ok: false, error: fromThrown(a) };
    if (status === Outcome.ChunkError && Array.isArray(a) && isThrown(b)) {
      return { ok: false, chunkValues: a, error: fromThrown(b) };
    }
    if (status === Outcome.TimedOut && typeof a === "number") return { ok: false, timeLimit: a };
  }
  throw new TypeError("Cannot decode task outcome: it is not one");
}
