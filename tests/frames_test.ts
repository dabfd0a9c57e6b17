import assert from "node:assert/strict";
import { test } from "node:test";
import {
  encodeFrame,
  FRAME_CHECK,
  FrameDecoder,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  setFrameLength,
} from "../_wire/frames.ts";

function payload(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// Splits `bytes` into chunks of the given sizes, cycling through them.
function split(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  return chunks;
}

// A header as the format defines it: the length, then length XOR the check
// constant, both u32 little-endian.
function header(length: number, check = (length ^ FRAME_CHECK) >>> 0): number[] {
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return [...u32(length), ...u32(check)];
}

test("encodeFrame() prefixes the payload with its length and check word, little-endian", () => {
  const frame = encodeFrame(new Uint8Array([7, 8, 9]));
  assert.deepEqual([...frame], [...header(3), 7, 8, 9]);
  const big = encodeFrame(new Uint8Array(0x010203));
  assert.deepEqual([...big.subarray(0, HEADER_BYTES)], header(0x010203));
});

test("bytes that are not a frame header fail at once, even announcing up to 1 GiB", () => {
  const real = encodeFrame(new Uint8Array([1, 2, 3]));
  for (
    const forged of [
      [0xff, 0xff, 0xff, 0x3f], // a bare length of 1 GiB - 1, then a real frame
      header(2 ** 30 - 1, 0),
      [...new TextEncoder().encode("hello from a task\n")],
    ]
  ) {
    const decoder = new FrameDecoder();
    assert.throws(
      () => decoder.push(new Uint8Array([...forged, ...real])),
      /^TypeError: Cannot decode frame: the header's check word does not match/,
    );
  }
});

test("a frame with an empty payload round-trips", () => {
  const decoder = new FrameDecoder();
  const out = decoder.push(encodeFrame(new Uint8Array(0)));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.length, 0);
  assert.equal(decoder.buffered, 0);
});

test("many frames in one chunk come out in order, as views of the chunk", () => {
  const payloads = Array.from({ length: 50 }, (_, i) => payload(i * 7, i));
  const chunk = concat(payloads.map(encodeFrame));
  const out = new FrameDecoder().push(chunk);
  assert.deepEqual(out, payloads);
  assert.ok(out.every((p) => p.buffer === chunk.buffer), "no copies");
});

test("a header split across chunks is reassembled", () => {
  const decoder = new FrameDecoder();
  const frame = encodeFrame(payload(10));
  assert.deepEqual(decoder.push(frame.slice(0, 1)), []);
  assert.deepEqual(decoder.push(frame.slice(1, 3)), []);
  assert.deepEqual(decoder.push(frame.slice(3, 4)), []);
  assert.deepEqual(decoder.push(frame.slice(4)), [payload(10)]);
  assert.equal(decoder.buffered, 0);
});

test("one frame over many chunks is copied once, when complete", () => {
  const decoder = new FrameDecoder();
  const body = payload(100_000, 3);
  const chunks = split(encodeFrame(body), [997]);
  const out: Uint8Array[] = [];
  for (const [i, chunk] of chunks.entries()) {
    out.push(...decoder.push(chunk));
    if (i < chunks.length - 1) assert.equal(out.length, 0);
  }
  assert.deepEqual(out, [body]);
  assert.equal(decoder.buffered, 0);
});

test("any chunking of a stream gives the same payloads", () => {
  const payloads = [0, 1, 3, 4, 5, 100, 4096, 70_000, 2].map((n, i) => payload(n, i));
  const stream = concat(payloads.map(encodeFrame));
  for (
    const sizes of [[1], [2], [3], [4], [5], [7, 1, 13], [65536], [
      stream.length,
    ]]
  ) {
    const decoder = new FrameDecoder();
    const out = split(stream, sizes).flatMap((chunk) => decoder.push(chunk));
    assert.deepEqual(out, payloads, `chunk sizes ${sizes}`);
    assert.equal(decoder.buffered, 0);
  }
});

test("a partial frame stays buffered until its end arrives", () => {
  const decoder = new FrameDecoder();
  const a = encodeFrame(payload(5, 1));
  const b = encodeFrame(payload(9, 2));
  const stream = concat([a, b]);
  assert.deepEqual(decoder.push(stream.slice(0, a.length + 6)), [
    payload(5, 1),
  ]);
  assert.equal(decoder.buffered, 6);
  assert.deepEqual(decoder.push(stream.slice(a.length + 6)), [payload(9, 2)]);
});

test("an empty chunk changes nothing", () => {
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  decoder.push(new Uint8Array([1, 0]));
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  assert.equal(decoder.buffered, 2);
});

test("a header above the limit is a RangeError that names both sizes", () => {
  const decoder = new FrameDecoder(1000);
  assert.throws(
    () => decoder.push(new Uint8Array(header(1001))),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /^Cannot decode frame: .*1001.*1000/);
      return true;
    },
  );
  // The default limit is 1 GiB, and the largest u32 length is refused.
  assert.throws(
    () => new FrameDecoder().push(new Uint8Array(header(0xffffffff))),
    RangeError,
  );
});

test("setFrameLength() refuses payloads above 1 GiB", () => {
  const frame = new Uint8Array(HEADER_BYTES);
  assert.throws(
    () => setFrameLength(frame, MAX_PAYLOAD_BYTES + 1),
    /^RangeError: Cannot encode frame/,
  );
  setFrameLength(frame, MAX_PAYLOAD_BYTES);
  assert.deepEqual([...frame], header(MAX_PAYLOAD_BYTES));
});
