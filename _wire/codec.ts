// Copyright 2026 the @concurrent/futures authors. MIT license.
// Messages to and from a child process, as frames whose first payload byte
// says how the rest is encoded: JSON, or the runtime's structured-clone
// format through node:v8 (V8's in Deno, JSC's in Bun; parent and child are
// always the same runtime). The clone format carries exactly what
// structuredClone carries, which is what the thread pool sends, so both pools
// accept the same values. JSON is only a faster encoding of the messages it
// represents exactly.
//
// JSON against the clone format, through encodeMessage()/decodeMessage()
// themselves (`deno run -A bench/transport_probe.ts --codec`, and the same
// with bun; ops/s, 2-core VM, JSON encoding includes the safety walk):
//
//                                Deno 2.9.6                Bun 1.4.5
//   message                      JSON          clone       JSON          clone
//   one tiny task       encode   1.87 M        43 k        2.75 M        312 k
//                       decode   2.93 M        165 k       2.94 M        1.43 M
//   1000 tiny tasks     encode   20.1 k        12.4 k      9.9 k         0.9 k
//                       decode   27.4 k        5.7 k       15.6 k        15.2 k
//   1 KB object         encode   327 k         23 k        365 k         92 k
//                       decode   592 k         67 k        631 k         316 k
//   1 MiB Float64Array  encode   (refused at   100–450     (refused at   5.9 k
//                       decode    once)        200–340      once)        15.2 k
//
// So JSON wins or ties everywhere it applies, and a typed array never pays
// for the walk. A message with any non-JSON value (an `undefined` result, a
// Map, a BigInt) goes wholly by clone: the walk stops at the first one.
// Deno's clone of a 1 MiB array costs 2–10 ms, most of it allocating (a
// plain 1 MiB copy alone takes ~1.2 ms there). Sending ArrayBuffers out of
// band with Serializer.transferArrayBuffer() made encoding 4× faster but
// decoding no faster, about 30 % per round trip: not worth a third format.
//
// Deno's v8.serialize() is not structured clone: it writes typed arrays as
// Node "host objects", so a view loses the rest of its ArrayBuffer, a Buffer
// stays a Buffer, and views come back aliasing a shared pool. The plain
// v8.Serializer lets V8 write them itself, exactly as structuredClone does.
// Bun has no v8.Serializer class, and its v8.serialize() already matches
// structuredClone (except that a Buffer stays a Buffer).

import { Buffer } from "node:buffer";
import process from "node:process";
import { HEADER_BYTES, setFrameLength } from "./frames.ts";
import { isPoolArray } from "./pool_arrays.ts";

/** The payload's first byte when the rest is UTF-8 JSON. */
export const TAG_JSON = 1;
/** The payload's first byte when the rest is the runtime's clone format. */
export const TAG_CLONE = 2;
// Header plus tag: where the encoded message starts in a frame. The
// encoders leave the header to encodeMessage(), outside their try.
const BODY = HEADER_BYTES + 1;
// Deeper plain data is rare; the clone path handles any depth the runtime can.
const MAX_WALK_DEPTH = 200;

// node:v8 is loaded by the first message that needs the clone format: a
// child whose messages are all JSON never loads it (0.5 MiB a Bun child).
type V8 = typeof import("node:v8");
let v8Module: V8 | undefined;
let hasSerializerClass: boolean | undefined;

function loadV8(): V8 {
  if (v8Module) return v8Module;
  const v8 = (process as unknown as { getBuiltinModule(id: "node:v8"): V8 })
    .getBuiltinModule("node:v8");
  try {
    new v8.Serializer();
    hasSerializerClass = true;
  } catch {
    hasSerializerClass = false; // Bun: "node:v8 Serializer is not yet implemented"
  }
  return v8Module = v8;
}
const textDecoder = new TextDecoder();

/**
 * Encodes a pool message as one whole frame, ready to write.
 *
 * The message is a protocol array (or object) made by the pool: its own
 * non-index properties are not inspected; every value inside it is carried
 * as `structuredClone` would carry it.
 *
 * @throws {TypeError} "Cannot serialize …" (with the runtime's error as
 * `cause`) if a value cannot be cloned: a function, a symbol, a WeakMap, a
 * Promise, …
 * @throws {RangeError} If the encoded message exceeds the frame limit.
 */
export function encodeMessage(message: unknown): Uint8Array {
  let frame: Uint8Array;
  try {
    frame = isJsonSafe(message, new Set(), 0) ? encodeJson(message) : encodeClone(message);
  } catch (error) {
    throw new TypeError(
      `Cannot serialize ${findUncloneable(message, new Set(), 0) || "a value"}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  setFrameLength(frame, frame.length - HEADER_BYTES);
  return frame;
}

/**
 * Decodes the payload of a frame made by {@linkcode encodeMessage}.
 *
 * @throws {TypeError} If the payload is not a message.
 */
export function decodeMessage(payload: Uint8Array): unknown {
  const body = payload.subarray(1);
  if (payload[0] === TAG_JSON) return JSON.parse(textDecoder.decode(body));
  if (payload[0] === TAG_CLONE) {
    const v8 = loadV8();
    if (!hasSerializerClass) return v8.deserialize(body);
    const deserializer = new v8.Deserializer(body);
    deserializer.readHeader();
    return deserializer.readValue();
  }
  throw new TypeError(
    `Cannot decode message: unknown encoding tag ${payload[0]}`,
  );
}

function encodeJson(message: unknown): Uint8Array {
  const text = JSON.stringify(message);
  const bytes = Buffer.byteLength(text);
  // Buffer.write is 2–8× faster than TextEncoder for small strings here, and
  // small frames come from Buffer's pool instead of one allocation each.
  const frame = Buffer.allocUnsafe(BODY + bytes);
  frame[HEADER_BYTES] = TAG_JSON;
  frame.write(text, BODY);
  return frame;
}

function encodeClone(message: unknown): Uint8Array {
  const v8 = loadV8();
  if (!hasSerializerClass) {
    // Bun's serializer copies shared memory into a plain ArrayBuffer, so the
    // other process's writes would be lost without a word: refuse it, as
    // V8's serializer does.
    if (findShared(message, new Set(), 0)) {
      throw new TypeError("#<SharedArrayBuffer> could not be cloned.");
    }
    const body = v8.serialize(message);
    // Not zeroed first: the header, the tag and the body fill it (a 64 KB
    // map message took 2 ns a number less in Bun).
    const frame = Buffer.allocUnsafe(BODY + body.length);
    frame[HEADER_BYTES] = TAG_CLONE;
    frame.set(body, BODY);
    return frame;
  }
  // Reserve the header in the serializer's own buffer: no copy afterwards.
  const serializer = new v8.Serializer();
  serializer.writeRawBytes(new Uint8Array(BODY));
  serializer.writeHeader();
  serializer.writeValue(message);
  const frame = serializer.releaseBuffer();
  frame[HEADER_BYTES] = TAG_CLONE;
  return frame;
}

// True when JSON.parse(JSON.stringify(value)) equals what structuredClone
// would give: plain data, each object met once (clone keeps shared
// references and cycles, JSON does not), no -0, NaN, ±Infinity, undefined or
// holes (JSON turns them into 0 or null), no toJSON or __proto__ keys.
/** Whether `value` crosses as JSON exactly as structured clone would carry it. */
export function isJsonValue(value: unknown): boolean {
  return isJsonSafe(value, new Set(), 1);
}

/** True for a number JSON keeps as it is: finite, and not -0. */
export function isJsonNumber(value: number): boolean {
  return Number.isFinite(value) && (value !== 0 || 1 / value > 0);
}

function isJsonSafe(value: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return isJsonNumber(value);
    case "object":
      return value === null || isJsonSafeObject(value, seen, depth);
    default: // undefined, bigint, symbol, function
      return false;
  }
}

function isJsonSafeObject(
  value: object,
  seen: Set<object>,
  depth: number,
): boolean {
  if (depth > MAX_WALK_DEPTH || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    // Holes and named properties survive a clone but not JSON. Counting keys
    // costs about as much as stringifying, so the pool's own arrays, which
    // have neither, skip it: the message itself, and a map chunk's arguments
    // and results (pool_arrays.ts; in Bun the count made a map of tiny calls
    // spend more time here than anywhere else).
    if (depth > 0 && !isPoolArray(value) && Object.keys(value).length !== value.length) {
      return false;
    }
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      // Numbers inline: a run message, a burst and a chunk are mostly
      // numbers, and a call per item was a third of encoding one in Bun.
      if (typeof item === "number") {
        if (!isJsonNumber(item)) return false;
      } else if (!isJsonSafe(item, seen, depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const record = value as Record<string, unknown>;
  // for-in is the fastest walk; Object.prototype has no enumerable keys.
  for (const key in record) {
    if (key === "__proto__" || key === "toJSON") return false;
    if (!isJsonSafe(record[key], seen, depth + 1)) return false;
  }
  return true;
}

function isShared(value: object): boolean {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  return typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer;
}

// Whether a SharedArrayBuffer (or a view of one) lies anywhere in `value`.
function findShared(value: unknown, seen: Set<object>, depth: number): boolean {
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  if (isShared(value)) return true;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || depth > MAX_WALK_DEPTH) {
    return false;
  }
  seen.add(value);
  const children = value instanceof Map
    ? [...value.keys(), ...value.values()]
    : value instanceof Set
    ? [...value]
    : Object.values(value);
  return children.some((child) => findShared(child, seen, depth + 1));
}

// Names the first value the clone algorithm refuses, for the error message
// (Bun's own message is only "The object can not be cloned.").
function findUncloneable(
  value: unknown,
  seen: Set<object>,
  depth: number,
): string {
  if (typeof value === "function") {
    return value.name ? `function ${value.name}` : "a function";
  }
  if (typeof value === "symbol") return `symbol ${String(value)}`;
  if (typeof value === "object" && value !== null && isShared(value)) {
    return "a SharedArrayBuffer (shared memory cannot cross to another process: copy it into an ArrayBuffer, or use a ThreadPoolExecutor)";
  }
  if (
    typeof value !== "object" || value === null || seen.has(value) ||
    ArrayBuffer.isView(value) || depth > MAX_WALK_DEPTH
  ) {
    return "";
  }
  seen.add(value);
  for (const kind of [WeakMap, WeakSet, WeakRef, Promise]) {
    if (value instanceof kind) return `a ${kind.name}`;
  }
  const children = value instanceof Map
    ? [...value.keys(), ...value.values()]
    : value instanceof Set
    ? [...value]
    : Object.values(value);
  for (const child of children) {
    const found = findUncloneable(child, seen, depth + 1);
    if (found) return found;
  }
  return "";
}
