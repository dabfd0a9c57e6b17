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
  if (!Array.isArray(args) || args.length === 0) {
    throw new TypeError("Cannot encode Redis command: it must be a non-empty array of arguments");
  }
  const parts = args.map(normalizeArg);
  const sizes = parts.map((p) => typeof p === "string" ? utf8Length(p) : p.length);
  const header = `*${parts.length}\r\n`;
  let total = header.length;
  for (const size of sizes) total += 1 + String(size).length + 2 + size + 2;
  const out = new Uint8Array(total);
  let at = writeAscii(out, 0, header);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!, size = sizes[i]!;
    at = writeAscii(out, at, `$${size}\r\n`);
    if (typeof part !== "string") out.set(part, at);
    else if (size === part.length) writeAscii(out, at, part);
    else encoder.encodeInto(part, out.subarray(at, at + size));
    at += size;
    out[at++] = CR;
    out[at++] = LF;
  }
  return out;
}
