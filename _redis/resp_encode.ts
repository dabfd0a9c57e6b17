// Copyright 2026 the @concurrent/futures authors. MIT license.
// Commands on the wire: an array of bulk strings (RESP2's request format,
// which every server reads, whatever protocol its replies use). Each command
// is sized first and written into one exact allocation, so a pipeline of
// 10,000 commands costs 10,000 small buffers and one concatenation.

const encoder = new TextEncoder();
const CR = 13, LF = 10;

/** One argument of a command: text (sent as UTF-8), raw bytes, or a finite number. */
export type RedisArg = string | Uint8Array | number;

// The UTF-8 length of `text`, as TextEncoder would encode it (a lone
// surrogate becomes U+FFFD, three bytes).
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else {
      bytes += 2;
      // A surrogate pair is two units and four bytes: skip the low half.
      if ((unit & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    }
  }
  return bytes;
}

function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

function normalizeArg(arg: unknown, index: number): string | Uint8Array {
  if (typeof arg === "string" || arg instanceof Uint8Array) return arg;
  if (typeof arg === "number") {
    if (Number.isFinite(arg)) return String(arg);
    throw new RangeError(
      `Cannot encode Redis command: argument ${index} must be a finite number, received ${arg}`,
    );
  }
  throw new TypeError(
    `Cannot encode Redis command: argument ${index} must be a string, Uint8Array or number, received ${typeof arg}`,
  );
}

// Scratch space for the command being encoded: filled by measure(), read by
// writeCommand(), cleared after. Encoding is synchronous, so one set serves
// every caller.
const parts: (string | Uint8Array)[] = [];
const sizes: number[] = [];

// Checks and sizes a command into the scratch arrays; returns its length.
function measure(args: readonly RedisArg[]): number {
  if (!Array.isArray(args) || args.length === 0) {
    throw new TypeError("Cannot encode Redis command: it must be a non-empty array of arguments");
  }
  let total = 3 + digits(args.length);
  try {
    for (let i = 0; i < args.length; i++) {
      const part = normalizeArg(args[i], i);
      const size = typeof part === "string" ? utf8Length(part) : part.length;
      parts[i] = part;
      sizes[i] = size;
      total += 5 + digits(size) + size; // "$" size CRLF data CRLF
    }
  } catch (error) {
    parts.fill("");
    throw error;
  }
  return total;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

function writeHeader(out: Uint8Array, at: number, type: number, n: number): number {
  out[at++] = type;
  if (n < 10) out[at++] = 48 + n;
  else at = writeAscii(out, at, String(n));
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

// Writes the measured command at `at`; returns the position after it.
function writeCommand(out: Uint8Array, at: number, count: number): number {
  at = writeHeader(out, at, 42, count); // "*"
  for (let i = 0; i < count; i++) {
    const part = parts[i]!, size = sizes[i]!;
    at = writeHeader(out, at, 36, size); // "$"
    if (typeof part !== "string") out.set(part, at);
    else if (size === part.length) writeAscii(out, at, part);
    else encoder.encodeInto(part, out.subarray(at, at + size));
    at += size;
    out[at++] = CR;
    out[at++] = LF;
    parts[i] = ""; // drop the reference to the caller's value
  }
  return at;
}

/**
 * Encodes one command as a RESP array of bulk strings, in one allocation.
 *
 * @param args The command name and its arguments, such as `["SET", "k", "v"]`.
 * @returns The bytes to write.
 * @throws {TypeError} If `args` is not a non-empty array of strings, Uint8Arrays and numbers.
 * @throws {RangeError} If a number is not finite.
 *
 * @example Encode PING
 * ```ts
 * import { encodeCommand } from "./resp_encode.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeCommand(["PING"]);
 * assert.equal(new TextDecoder().decode(bytes), "*1\r\n$4\r\nPING\r\n");
 * ```
 */
export function encodeCommand(args: readonly RedisArg[]): Uint8Array {
  const out = new Uint8Array(measure(args));
  writeCommand(out, 0, args.length);
  return out;
}

const INITIAL_BYTES = 16 * 1024;

/**
 * Commands encoded back to back into one reused buffer: a pipeline of 10,000
 * commands costs one allocation when it is taken, not 10,000.
 *
 * Positions are counted from the first byte ever appended, so a command's
 * end position stays valid while earlier bytes are taken or discarded.
 *
 * @example Queue two commands, then take them as one write
 * ```ts
 * import { CommandBuffer } from "./resp_encode.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = new CommandBuffer();
 * buffer.append(["PING"]);
 * buffer.append(["GET", "k"]);
 * const bytes = buffer.take();
 * assert.equal(new TextDecoder().decode(bytes), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
 * assert.equal(buffer.length, 0);
 * ```
 */
export class CommandBuffer {
  #bytes = new Uint8Array(INITIAL_BYTES);
  #length = 0;
  // The position of #bytes[0] in the stream of everything appended.
  #start = 0;

  /** Bytes held, not yet taken. */
  get length(): number {
    return this.#length;
  }

  /**
   * Encodes a command at the end; nothing is written when it throws.
   *
   * @param args The command and its arguments.
   * @returns The position just after the command, for {@linkcode CommandBuffer.discardThrough}.
   * @throws {TypeError} If `args` is not a non-empty array of strings, Uint8Arrays and numbers.
   * @throws {RangeError} If a number is not finite.
   */
  append(args: readonly RedisArg[]): number {
    const size = measure(args);
    if (this.#length + size > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + size));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#length = writeCommand(this.#bytes, this.#length, args.length);
    return this.#start + this.#length;
  }

  /**
   * Removes and returns every byte held. The result is never written to
   * again, so it can go to a socket that sends it later.
   *
   * @returns The bytes of every command appended since the last take.
   */
  take(): Uint8Array {
    const length = this.#length;
    // Small batches are copied so the buffer is reused; a large one is
    // handed over whole rather than copied.
    const out = length < INITIAL_BYTES * 4
      ? this.#bytes.slice(0, length)
      : this.#bytes.subarray(0, length);
    if (out.buffer === this.#bytes.buffer) this.#bytes = new Uint8Array(INITIAL_BYTES);
    this.#start += length;
    this.#length = 0;
    return out;
  }

  /**
   * Drops the bytes before stream position `end`: commands that will not be sent.
   *
   * @param end A position returned by {@linkcode CommandBuffer.append}.
   */
  discardThrough(end: number): void {
    const count = Math.min(end - this.#start, this.#length);
    if (count <= 0) return;
    this.#bytes.copyWithin(0, count, this.#length);
    this.#length -= count;
    this.#start += count;
  }

  /** Drops every byte held. */
  clear(): void {
    this.discardThrough(this.#start + this.#length);
  }
}
