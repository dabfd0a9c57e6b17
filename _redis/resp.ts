// Copyright 2026 the @concurrent/futures authors. MIT license.
// Replies in RESP, the Redis wire format: RESP2, or RESP3 after `HELLO 3`.
// (Commands are encoded in resp_encode.ts.)
//
// The parser is incremental and linear. A socket splits replies anywhere: a
// header in two, a thousand replies in one read, a 100 MB value over 1,600
// reads. The parser keeps an explicit stack of the aggregates being filled, so
// it never parses a byte twice, and it copies a value at most once: a value
// inside one chunk is decoded in place, a bulk string spanning chunks is
// copied into a buffer allocated once at its announced length, and a line
// spanning chunks is joined once when its end arrives.

import { RedisError } from "./errors.ts";

/**
 * A decoded reply. Simple and bulk strings are `string` (or `Uint8Array` for
 * bulk strings when bytes were asked for), integers are `number` (`bigint`
 * beyond 2^53), RESP3 doubles `number`, big numbers `bigint`, booleans
 * `boolean`, nulls `null`, arrays and pushes arrays, maps `Map`, sets `Set`,
 * verbatim strings their text without the `txt:` format prefix, and an error
 * nested in an aggregate (as in an `EXEC` reply) a {@linkcode RedisError}.
 * RESP3 attributes are read and dropped.
 */
export type RespValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | RedisError
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>;

const decoder = new TextDecoder();

// Type bytes.
const CR = 13, LF = 10;
const SIMPLE = 43, ERROR = 45, INTEGER = 58, BULK = 36, ARRAY = 42; // + - : $ *
const NULL = 95, DOUBLE = 44, BOOLEAN = 35, BIG = 40, BLOB_ERROR = 33; // _ , # ( !
const VERBATIM = 61, MAP = 37, SET = 126, ATTRIBUTE = 124, PUSH = 62; // = % ~ | >

/** Redis's own limit on one bulk string (`proto-max-bulk-len`): 512 MiB. */
export const MAX_BULK_BYTES = 512 * 2 ** 20;

/** How a {@linkcode RespParser} hands over what it reads. */
export interface RespParserOptions {
  /** Receives each complete reply, in the order the server sent them. */
  onReply: (reply: RespValue) => void;
  /**
   * Receives each RESP3 push message (out-of-band data such as client-tracking
   * invalidations), which answers no command.
   * @default {dropped}
   */
  onPush?: (push: RespValue[]) => void;
  /**
   * Asked as each reply starts: whether its bulk strings should be
   * `Uint8Array` rather than UTF-8-decoded strings.
   * @default {() => false}
   */
  bytes?: () => boolean;
  /**
   * The largest bulk string or line accepted; a larger one is a protocol error.
   * @default {MAX_BULK_BYTES}
   */
  maxBulkBytes?: number;
}

interface Frame {
  type: number;
  remaining: number;
  items: RespValue[];
}

/**
 * An incremental RESP2/RESP3 reply parser: push bytes as they arrive, in any
 * split, and it calls back with each complete reply.
 *
 * After {@linkcode RespParser.push} throws, the stream has lost its framing;
 * the connection must be dropped and the parser discarded.
 *
 * @example Parse a reply that arrives in two pieces
 * ```ts
 * import { RespParser, type RespValue } from "./resp.ts";
 * import assert from "node:assert/strict";
 *
 * const replies: RespValue[] = [];
 * const parser = new RespParser({ onReply: (r) => replies.push(r) });
 * const bytes = new TextEncoder().encode("*2\r\n$5\r\nhello\r\n:42\r\n");
 * parser.push(bytes.subarray(0, 9));
 * parser.push(bytes.subarray(9));
 * assert.deepEqual(replies, [["hello", 42]]);
 * ```
 */
export class RespParser {
  readonly #onReply: (reply: RespValue) => void;
  readonly #onPush: (push: RespValue[]) => void;
  readonly #bytes: () => boolean;
  readonly #maxBulk: number;
  // Aggregates being filled, innermost last.
  readonly #stack: Frame[] = [];
  // What the reply being read is: its type byte, and whether bulk strings in
  // it become bytes.
  #replyType = 0;
  #asBytes = false;
  // A line split across chunks, in pieces, joined when its LF arrives.
  #line: Uint8Array[] = [];
  #lineBytes = 0;
  // A bulk payload (plus its CRLF) split across chunks, filled in place.
  #bulk: Uint8Array | null = null;
  #bulkFilled = 0;
  #bulkType = 0;
  #failure: Error | null = null;

  /**
   * Makes a parser at the start of a stream.
   *
   * @param options Where replies go, and how to decode them.
   */
  constructor(options: RespParserOptions) {
    this.#onReply = options.onReply;
    this.#onPush = options.onPush ?? (() => {});
    this.#bytes = options.bytes ?? (() => false);
    this.#maxBulk = options.maxBulkBytes ?? MAX_BULK_BYTES;
  }

  /** Whether the parser is between replies, holding no partial one. */
  get idle(): boolean {
    return this.#stack.length === 0 && this.#bulk === null && this.#lineBytes === 0;
  }

  /**
   * Feeds the next chunk of the stream; complete replies are delivered before
   * it returns. The chunk is not kept: partial data is copied.
   *
   * @param chunk Bytes as read from the socket.
   * @throws {Error} If the bytes are not valid RESP (and on every later call).
   */
  push(chunk: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    // A Buffer's slice() is a view, not a copy: read it as a plain Uint8Array.
    if (Object.getPrototypeOf(chunk) !== Uint8Array.prototype) {
      chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    try {
      this.#push(chunk);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  #push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.#bulk !== null) {
      pos = this.#fillBulk(chunk);
      if (this.#bulk !== null) return;
    } else if (this.#lineBytes > 0) {
      pos = this.#finishLine(chunk);
      if (pos < 0) return;
    }
    while (pos < chunk.length) {
      const lf = chunk.indexOf(LF, pos);
      if (lf < 0) {
        this.#keepLine(chunk.subarray(pos));
        return;
      }
      const need = this.#onLine(chunk, pos, lf);
      pos = need < 0 ? lf + 1 : this.#takeBulk(chunk, lf + 1, need);
    }
  }

  #keepLine(piece: Uint8Array): void {
    this.#lineBytes += piece.length;
    if (this.#lineBytes > this.#maxBulk) fail(`a line is longer than ${this.#maxBulk} bytes`);
    this.#line.push(piece.slice());
  }

  // Completes a line kept from earlier chunks; returns where the chunk's
  // unread part starts, or -1 when the line goes on past this chunk.
  #finishLine(chunk: Uint8Array): number {
    const lf = chunk.indexOf(LF);
    if (lf < 0) {
      this.#keepLine(chunk);
      return -1;
    }
    const line = new Uint8Array(this.#lineBytes + lf + 1);
    let at = 0;
    for (const piece of this.#line) {
      line.set(piece, at);
      at += piece.length;
    }
    line.set(chunk.subarray(0, lf + 1), at);
    this.#line = [];
    this.#lineBytes = 0;
    const need = this.#onLine(line, 0, line.length - 1);
    return need < 0 ? lf + 1 : this.#takeBulk(chunk, lf + 1, need);
  }

  // Reads the payload of a bulk string that starts at `pos`, or as much of
  // it as this chunk holds; returns the new position.
  #takeBulk(chunk: Uint8Array, pos: number, size: number): number {
    if (chunk.length - pos >= size + 2) {
      checkCrlf(chunk, pos + size);
      this.#emit(this.#bulkValue(chunk, pos, pos + size, true));
      return pos + size + 2;
    }
    this.#bulk = new Uint8Array(size + 2);
    this.#bulk.set(chunk.subarray(pos));
    this.#bulkFilled = chunk.length - pos;
    return chunk.length;
  }

  #fillBulk(chunk: Uint8Array): number {
    const bulk = this.#bulk!;
    const take = Math.min(bulk.length - this.#bulkFilled, chunk.length);
    bulk.set(chunk.subarray(0, take), this.#bulkFilled);
    this.#bulkFilled += take;
    if (this.#bulkFilled === bulk.length) {
      this.#bulk = null;
      checkCrlf(bulk, bulk.length - 2);
      this.#emit(this.#bulkValue(bulk, 0, bulk.length - 2, false));
    }
    return take;
  }

  #bulkValue(bytes: Uint8Array, start: number, end: number, shared: boolean): RespValue {
    if (this.#bulkType === VERBATIM) start = Math.min(start + 4, end); // "txt:"
    if (this.#bulkType === BLOB_ERROR) {
      return new RedisError(decoder.decode(bytes.subarray(start, end)));
    }
    if (!this.#asBytes) return text(bytes, start, end);
    // A view into a socket chunk would pin the whole chunk; our own buffer
    // holds only this value.
    return shared ? bytes.slice(start, end) : bytes.subarray(start, end);
  }

  // Handles one line (from its type byte to its LF); returns the length of
  // the bulk payload that follows it, or -1 when none does.
  #onLine(bytes: Uint8Array, start: number, lf: number): number {
    const type = bytes[start]!;
    const end = lf - 1;
    if (end <= start || bytes[end] !== CR) fail("a line does not end with CRLF");
    if (this.#stack.length === 0) this.#startReply(type);
    const from = start + 1;
    switch (type) {
      case SIMPLE:
        this.#emit(text(bytes, from, end));
        return -1;
      case ERROR:
        this.#emit(new RedisError(text(bytes, from, end)));
        return -1;
      case INTEGER:
        this.#emit(integer(bytes, from, end));
        return -1;
      case BULK:
      case VERBATIM:
      case BLOB_ERROR:
        return this.#onBulkHeader(type, length(bytes, from, end));
      case ARRAY:
      case SET:
      case PUSH:
      case MAP:
      case ATTRIBUTE:
        this.#onAggregateHeader(type, length(bytes, from, end));
        return -1;
      case NULL:
        this.#emit(null);
        return -1;
      case DOUBLE:
        this.#emit(double(text(bytes, from, end)));
        return -1;
      case BOOLEAN:
        this.#emit(bytes[from] === 116); // "t"
        return -1;
      case BIG:
        this.#emit(bigint(text(bytes, from, end)));
        return -1;
      default:
        return fail(`unknown type byte 0x${type.toString(16)}`);
    }
  }

  #startReply(type: number): void {
    this.#replyType = type;
    this.#asBytes = type === PUSH ? false : this.#bytes();
  }

  #onBulkHeader(type: number, size: number): number {
    if (size === -1 && type === BULK) {
      this.#emit(null);
      return -1;
    }
    if (size < 0 || size > this.#maxBulk) fail(`a bulk length of ${size} is out of range`);
    this.#bulkType = type;
    return size;
  }

  #onAggregateHeader(type: number, count: number): void {
    if (count === -1 && (type === ARRAY || type === MAP || type === SET)) {
      this.#emit(null);
      return;
    }
    if (count < 0) fail(`an aggregate length of ${count} is out of range`);
    const frame: Frame = {
      type,
      remaining: type === MAP || type === ATTRIBUTE ? count * 2 : count,
      items: [],
    };
    if (frame.remaining > 0) this.#stack.push(frame);
    else if (type !== ATTRIBUTE) this.#emit(build(frame));
  }

  // Places a complete value in its aggregate, completing aggregates upwards,
  // or delivers it when it is a whole reply.
  #emit(value: RespValue): void {
    for (;;) {
      const top = this.#stack[this.#stack.length - 1];
      if (top === undefined) break;
      top.items.push(value);
      if (--top.remaining > 0) return;
      this.#stack.pop();
      // An attribute annotates the value after it and is not an element of
      // its parent: drop it.
      if (top.type === ATTRIBUTE) return;
      value = build(top);
    }
    if (this.#replyType === PUSH) this.#onPush(value as RespValue[]);
    else this.#onReply(value);
  }
}

function fail(reason: string): never {
  throw new Error(`Cannot parse Redis reply: ${reason}`);
}

function checkCrlf(bytes: Uint8Array, at: number): void {
  if (bytes[at] !== CR || bytes[at + 1] !== LF) fail("a bulk string does not end with CRLF");
}

function build(frame: Frame): RespValue {
  if (frame.type === SET) return new Set(frame.items);
  if (frame.type !== MAP) return frame.items;
  const map = new Map<RespValue, RespValue>();
  for (let i = 0; i < frame.items.length; i += 2) map.set(frame.items[i]!, frame.items[i + 1]!);
  return map;
}

// Replies are mostly short ASCII ("OK", "PONG", stream IDs): building those
// by hand skips TextDecoder's per-call cost.
// Short ASCII strings (ids, numbers, field names: most of a stream reply)
// are built with one fromCharCode call; a decoder call costs more there.
const codes: number[] = [];

function text(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return "";
  if (length > 32) return decoder.decode(bytes.subarray(start, end));
  codes.length = length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[start + i]!;
    if (byte >= 0x80) return decoder.decode(bytes.subarray(start, end));
    codes[i] = byte;
  }
  return String.fromCharCode.apply(null, codes);
}

// Integers of up to 15 digits are exact in a double; longer ones go through
// BigInt and come back as a number when they still fit.
function integer(bytes: Uint8Array, start: number, end: number): number | bigint {
  if (end - start > 15) {
    const value = bigint(text(bytes, start, end));
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  const negative = bytes[start] === 45;
  let i = negative || bytes[start] === 43 ? start + 1 : start;
  if (i === end) fail("an integer has no digits");
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) fail(`"${text(bytes, start, end)}" is not an integer`);
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function length(bytes: Uint8Array, start: number, end: number): number {
  const value = integer(bytes, start, end);
  return typeof value === "number" ? value : fail(`a length of ${value} is out of range`);
}

function double(value: string): number {
  if (value === "inf" || value === "+inf") return Infinity;
  if (value === "-inf") return -Infinity;
  if (value === "nan" || value === "-nan") return NaN;
  const number = Number(value);
  return value !== "" && !Number.isNaN(number) ? number : fail(`"${value}" is not a double`);
}

function bigint(value: string): bigint {
  if (!/^[-+]?\d+$/.test(value)) fail(`"${value}" is not an integer`);
  return BigInt(value);
}
