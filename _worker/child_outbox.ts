// Copyright 2026 the @concurrent/futures authors. MIT license.
// A child process's outbox: results go into the burst log (burst_log.ts) as
// the runner hands them over, before the next task starts, and leave in
// bursts; every other message leaves at once on fd 4, after what the log
// holds. See burst_log.ts for who writes what, and when.

import process from "node:process";
import { encodeMessage, isJsonNumber, isJsonValue, TAG_JSON } from "../_wire/codec.ts";
import { FRAME_CHECK, HEADER_BYTES } from "../_wire/frames.ts";
import {
  DONE_BUSY,
  DONE_RESULTS,
  FROM_TYPE,
  type FromWorker,
  Msg,
  RESULT_STRIDE,
} from "../_wire/protocol.ts";
import { type BurstLogMemory, clock, frameBurst, HOLD_US, Word } from "./burst_log.ts";
import type { ParentChannel } from "./parent_channel.ts";
import type { Outbox } from "./runner.ts";

/**
 * How long the protocol thread may take to look at the log once asked
 * before the main thread stops leaving results to it.
 */
const STALE_US = 300_000;
/** How long an exiting child waits for a sleeping thread to show it lives. */
const EXIT_WAIT_MS = 20;
// Results in a burst the main thread writes without waiting for its turn
// to end.
const FLUSH_COUNT = 256;
// Texts up to this long are copied by a loop, longer ones by encodeInto.
const SHORT_TEXT = 64;
// A result whose text takes more than this share of the log goes alone.
const LARGEST_SHARE = 4;
const encoder = new TextEncoder();

/** The main thread's side of a child's burst log. */
export class ChildOutbox implements Outbox {
  readonly #log: BurstLogMemory;
  readonly #channel: ParentChannel;
  readonly #control: Int32Array;
  readonly #flushSoon = () => {
    this.#scheduled = false;
    this.flush();
  };
  #token = 0;
  // Results put in the log, and sent by this thread (wrapping counts).
  #end = 0;
  #sent = 0;
  #bytesEnd = 0;
  #bytesSent = 0;
  #busy = 0;
  #epoch = 0;
  #scheduled = false;
  // Whether the protocol thread was told of the results in the log.
  #pending = false;
  // When the thread was asked to look and has not yet (µs, wrapping).
  #askedAt: number | undefined;
  #gone = false;

  constructor(log: BurstLogMemory, channel: ParentChannel) {
    this.#log = log;
    this.#channel = channel;
    this.#control = log.control;
  }

  /**
   * The protocol thread is gone: from now on this thread writes what it has
   * before every task, as a child without one would.
   */
  threadGone(): void {
    this.#gone = true;
    this.flush();
  }

  /** The worker's token, which starts every message (from Init). */
  set token(token: number) {
    this.#token = token;
  }

  post(message: FromWorker): void {
    if (message[FROM_TYPE] !== Msg.Done) {
      this.flush();
      this.#write(encodeMessage(message));
      // After the write: a burst on fd 5 that counts this message comes
      // after it.
      Atomics.store(this.#control, Word.Epoch, ++this.#epoch);
      return;
    }
    this.#busy += message[DONE_BUSY];
    if (!this.#append(message)) this.#postAlone(message);
    // At the latest when this turn ends: the batch ran, or a task awaits.
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushSoon);
    }
  }

  /**
   * A task starts now. Results still in the log are left to the protocol
   * thread, which writes them if the task holds this thread past HOLD_US,
   * unless the thread may not be there (then they are written now), or
   * FLUSH_COUNT of them wait: a burst is big enough. (No clock read per
   * task: in Deno one costs a fifth of a tiny task.)
   */
  starting(): void {
    const unsent = (this.#end - this.#sent) | 0;
    if (unsent === 0) return;
    if (this.#pending) {
      if (unsent >= FLUSH_COUNT) this.flush();
      return;
    }
    const control = this.#control;
    const now = clock(this.#log.origin);
    if (!this.#threadLives(now)) return this.flush();
    this.#pending = true;
    Atomics.store(control, Word.PendingAt, now);
    // The thread looks (and says so in BEAT) within a millisecond while
    // results wait; asleep, it looks once woken.
    this.#askedAt ??= now;
    if (Atomics.load(control, Word.Idle)) {
      Atomics.add(control, Word.Wake, 1);
      Atomics.notify(control, Word.Wake);
    }
  }

  /** Writes on fd 4 every result this thread has not sent. */
  flush(): void {
    if (this.#sent === this.#end) return;
    this.#pending = false;
    this.#bytesSent = this.#bytesEnd;
    const burst = this.#frame(this.#sent);
    this.#busy = 0;
    this.#sent = this.#end;
    Atomics.store(this.#control, Word.MainSent, this.#sent);
    if (burst) this.#write(burst);
  }

  /**
   * At exit: sends what the log holds on fd 5, which a task that wrote part
   * of a frame on fd 4 before it ended cannot have spoiled, unless the
   * protocol thread is writing there; then on fd 4.
   */
  flushAtExit(): void {
    if (this.#sent === this.#end) return;
    const burst = this.#frame(this.#sent);
    this.#sent = this.#end;
    this.#bytesSent = this.#bytesEnd;
    if (!burst) return;
    // fd 5 is the thread's: with the thread gone, it may be closed, and its
    // number reused by a file a task opened.
    if (!this.#threadAnswers()) return this.#write(burst);
    const lock = this.#control;
    if (Atomics.compareExchange(lock, Word.Lock, 0, 2) !== 0) {
      Atomics.wait(lock, Word.Lock, 1, 50);
      if (Atomics.compareExchange(lock, Word.Lock, 0, 2) !== 0) return this.#write(burst);
    }
    try {
      writeAllSync(5, burst);
    } catch {
      this.#write(burst);
    }
  }

  // Whether the protocol thread answered the last time it was asked to look,
  // or was asked less than STALE_US ago. (No heartbeat while the child
  // idles: an idle thread sleeps until woken.)
  #threadLives(now: number): boolean {
    if (this.#gone) return false;
    if (this.#askedAt === undefined) return true;
    if (((Atomics.load(this.#control, Word.Beat) - this.#askedAt) | 0) >= 0) {
      this.#askedAt = undefined;
      return true;
    }
    return ((now - this.#askedAt) | 0) < STALE_US;
  }

  // At exit, fd 5 is written only on fresh evidence that the thread lives
  // (a dead thread's fd 5 may be closed, its number reused by a file a task
  // opened): it is woken, and has EXIT_WAIT_MS to look.
  #threadAnswers(): boolean {
    if (this.#gone) return false;
    const control = this.#control;
    const beat = Atomics.load(control, Word.Beat);
    const since = (clock(this.#log.origin) - beat) | 0;
    // It looks every millisecond while results wait: seen just now.
    if (since >= 0 && since < 2 * HOLD_US) return true;
    Atomics.add(control, Word.Wake, 1);
    Atomics.notify(control, Word.Wake);
    Atomics.wait(control, Word.Beat, beat, EXIT_WAIT_MS);
    return Atomics.load(control, Word.Beat) !== beat;
  }

  #frame(from: number): Uint8Array | undefined {
    const head = { token: this.#token, type: Msg.Burst, busy: this.#busy };
    return frameBurst(this.#log, from, 0, head, HEADER_BYTES, FRAME_CHECK, TAG_JSON)?.frame;
  }

  #write(frame: Uint8Array): void {
    this.#channel.write(frame);
    this.#channel.flush();
  }

  // Puts a Done message's results in the log; false, with nothing put, when
  // one of them does not cross as JSON or is too large for it.
  #append(message: FromWorker): boolean {
    let text = "";
    for (let at = DONE_RESULTS; at < message.length; at += RESULT_STRIDE) {
      const value = resultText(message[at + 2]);
      if (value === undefined) return false;
      text += "," + message[at] + "," + message[at + 1] + "," + value;
    }
    const { bytes } = this.#log;
    const needed = text.length * 3; // at most, in UTF-8
    if (needed > bytes.length / LARGEST_SHARE) return false;
    const count = (message.length - DONE_RESULTS) / RESULT_STRIDE;
    const unsent = (this.#end - this.#sent) | 0;
    const used = (this.#bytesEnd - this.#bytesSent) | 0;
    if (unsent + count >= this.#log.starts.length - 1 || used + needed > bytes.length) this.flush();
    this.#put(text, count);
    return true;
  }

  // Puts the text of `count` results in the log. Only where a message ends
  // is marked in `starts`: the protocol thread frames from and to those.
  #put(text: string, count: number): void {
    const { bytes } = this.#log;
    const offset = (this.#bytesEnd >>> 0) % bytes.length;
    let written = -1;
    if (text.length <= SHORT_TEXT) {
      if (offset + text.length <= bytes.length) written = putAscii(text, bytes, offset);
    } else {
      const put = encoder.encodeInto(text, bytes.subarray(offset));
      if (put.read === text.length) written = put.written;
    }
    if (written < 0) {
      // Not ASCII, or it wraps: the rest goes at the ring's start.
      const whole = encoder.encode(text);
      written = whole.length;
      const first = Math.min(whole.length, bytes.length - offset);
      bytes.set(whole.subarray(0, first), offset);
      bytes.set(whole.subarray(first), 0);
    }
    this.#bytesEnd = (this.#bytesEnd + written) | 0;
    this.#advance(count);
  }

  // Counts `count` more results in the log. The text, then where the next
  // one starts, then the counts: the protocol thread reads the counts first.
  #advance(count: number): void {
    const { control, starts } = this.#log;
    this.#end = (this.#end + count) | 0;
    Atomics.store(starts, (this.#end >>> 0) % starts.length, this.#bytesEnd);
    Atomics.store(control, Word.BytesEnd, this.#bytesEnd);
    Atomics.store(control, Word.End, this.#end);
  }

  // A Done message whose results cannot go in the log: everything before
  // it first, then it alone, as a burst of its own (by the clone format if
  // need be). Throws, with nothing sent, if a value cannot cross.
  #postAlone(message: FromWorker): void {
    this.flush();
    const results = message.slice(DONE_RESULTS);
    const frame = encodeMessage([
      this.#token,
      Msg.Burst,
      0,
      this.#end >>> 0,
      this.#epoch,
      ...results,
    ]);
    this.#write(frame);
    // Counted sent before the log moves past them: the protocol thread
    // never frames results that are not in the log.
    const count = results.length / RESULT_STRIDE;
    this.#sent = (this.#end + count) | 0;
    Atomics.store(this.#control, Word.MainSent, this.#sent);
    this.#advance(count);
  }
}

// A value's JSON text, if JSON carries it as structured clone would.
function resultText(value: unknown): string | undefined {
  if (value === null) return "null";
  if (typeof value === "number") {
    return isJsonNumber(value) ? String(value) : undefined;
  }
  return isJsonValue(value) ? JSON.stringify(value) : undefined;
}

// Writes an ASCII `text` at `offset`; -1, with the bytes after `offset`
// spoiled, if it is not ASCII. (Results are mostly numbers: for up to
// SHORT_TEXT characters a loop beats TextEncoder.encodeInto on a new view;
// for a map chunk's thousand, encodeInto is several times faster.)
function putAscii(text: string, bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    bytes[offset + i] = code;
  }
  return text.length;
}

// At exit only, so node:fs is loaded here, not imported: a Deno child
// writes fd 4 without it (stream_handles.ts).
function writeAllSync(fd: number, bytes: Uint8Array): void {
  const fs = (process as unknown as { getBuiltinModule(id: "node:fs"): typeof import("node:fs") })
    .getBuiltinModule("node:fs");
  for (let at = 0; at < bytes.length;) {
    try {
      at += fs.writeSync(fd, bytes, at);
    } catch (error) {
      // fd 5 is non-blocking where a socket reads it: wait for room.
      if ((error as { code?: string }).code !== "EAGAIN") throw error;
    }
  }
}
