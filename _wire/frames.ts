// Copyright 2026 the @concurrent/futures authors. MIT license.
// Length-prefixed frames for the byte pipes between a process pool and its
// children: a u32 little-endian payload length and a check word, then the
// payload. The check word is the length XOR a constant: bytes that are not
// a frame header (a task writing to the channel, a stream out of step) fail
// it at once, where a bare length could announce up to 1 GiB and swallow the
// frames behind it while the decoder waited. A pipe
// delivers bytes in arbitrary chunks (a header split in two, a hundred
// frames in one read, one frame over a thousand reads), so the decoder keeps
// a list of chunks and copies a payload at most once, only when it spans
// chunks: a large frame arriving in many reads costs linear time, not
// quadratic.

/**
 * Bytes in a frame header: the payload length as a u32, little-endian, then
 * the length XOR {@linkcode FRAME_CHECK}, likewise.
 */
export const HEADER_BYTES = 8;

/** What a header's length is XORed with to make its check word. */
export const FRAME_CHECK = 0xc0f7_e5a1;

/**
 * The largest payload a frame may carry: 1 GiB. A length past it means a
 * corrupt stream (or a message no pool should send as one piece), and it
 * stops the decoder before it tries to buffer gigabytes.
 */
export const MAX_PAYLOAD_BYTES = 2 ** 30;

/**
 * Writes the header of a frame whose payload starts at `frame[HEADER_BYTES]`.
 *
 * @throws {RangeError} If `payloadBytes` exceeds {@linkcode MAX_PAYLOAD_BYTES}.
 */
export function setFrameLength(frame: Uint8Array, payloadBytes: number): void {
  if (payloadBytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `Cannot encode frame: the payload is ${payloadBytes} bytes, more than the limit of ${MAX_PAYLOAD_BYTES}`,
    );
  }
  writeU32(frame, 0, payloadBytes);
  writeU32(frame, 4, (payloadBytes ^ FRAME_CHECK) >>> 0);
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

/**
 * Makes a frame: a header, then a copy of `payload`.
 *
 * @throws {RangeError} If the payload exceeds {@linkcode MAX_PAYLOAD_BYTES}.
 */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  setFrameLength(frame, payload.length);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) +
    bytes[at + 3]! * 0x1000000; // `<< 24` would turn a length ≥ 2 GiB negative
}

// The payload length of the header at `at`, checked against its check word.
function readLength(bytes: Uint8Array, at: number): number {
  const length = readU32(bytes, at);
  if (readU32(bytes, at + 4) !== (length ^ FRAME_CHECK) >>> 0) {
    throw new TypeError(
      "Cannot decode frame: the header's check word does not match its length (the stream holds bytes that are not frames)",
    );
  }
  return length;
}

/**
 * Turns a stream of chunks back into payloads.
 *
 * A payload that lies inside one chunk is a view of that chunk, not a copy,
 * so the chunks pushed must not be reused for other data afterwards (stream
 * chunks never are). After {@linkcode FrameDecoder.push} throws, the stream
 * has lost its framing and the decoder must be discarded.
 */
export class FrameDecoder {
  readonly #maxPayload: number;
  // Unconsumed chunks from #head on; the first may be a partly read view.
  #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;
  // Payload length of the frame being assembled, or -1 before its header.
  #need = -1;

  /** @param maxPayloadBytes The largest payload accepted. */
  constructor(maxPayloadBytes: number = MAX_PAYLOAD_BYTES) {
    this.#maxPayload = maxPayloadBytes;
  }

  /** Bytes received but not yet returned as payloads. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Adds a chunk and returns the payloads it completes, in order.
   *
   * @throws {RangeError} If a header announces more than the limit.
   * @throws {TypeError} If a header's check word does not match.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (chunk.length === 0) return out;
    if (this.#buffered === 0 && this.#need < 0) {
      return this.#fromChunk(chunk, out);
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (true) {
      if (this.#need < 0) {
        if (this.#buffered < HEADER_BYTES) return out;
        this.#need = this.#checked(readLength(this.#take(HEADER_BYTES), 0));
      }
      if (this.#buffered < this.#need) return out;
      const payload = this.#take(this.#need);
      this.#need = -1;
      out.push(payload);
      // Once one chunk is left, the rest of it is read in place.
      if (this.#chunks.length - this.#head === 1) {
        const rest = this.#chunks[this.#head]!;
        this.#reset();
        return this.#fromChunk(rest, out);
      }
      if (this.#buffered === 0) return out;
    }
  }

  // The common case: nothing pending, so frames are views of the chunk.
  #fromChunk(chunk: Uint8Array, out: Uint8Array[]): Uint8Array[] {
    let at = 0;
    while (chunk.length - at >= HEADER_BYTES) {
      const length = this.#checked(readLength(chunk, at));
      const end = at + HEADER_BYTES + length;
      if (end > chunk.length) break;
      out.push(chunk.subarray(at + HEADER_BYTES, end));
      at = end;
    }
    if (at < chunk.length) {
      this.#chunks.push(at === 0 ? chunk : chunk.subarray(at));
      this.#buffered = chunk.length - at;
    }
    return out;
  }

  #checked(length: number): number {
    if (length > this.#maxPayload) {
      throw new RangeError(
        `Cannot decode frame: the header announces ${length} bytes, more than the limit of ${this.#maxPayload}`,
      );
    }
    return length;
  }

  // Removes `n` buffered bytes: a view when the first chunk holds them all,
  // else one copy gathered from as many chunks as needed.
  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.#buffered -= n;
    const first = this.#chunks[this.#head]!;
    if (first.length >= n) {
      this.#consume(first, n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    for (let at = 0; at < n;) {
      const chunk = this.#chunks[this.#head]!;
      const count = Math.min(chunk.length, n - at);
      out.set(count === chunk.length ? chunk : chunk.subarray(0, count), at);
      this.#consume(chunk, count);
      at += count;
    }
    return out;
  }

  #consume(chunk: Uint8Array, count: number): void {
    if (count < chunk.length) {
      this.#chunks[this.#head] = chunk.subarray(count);
    } else if (++this.#head === this.#chunks.length) {
      this.#reset();
    }
  }

  #reset(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
  }
}
