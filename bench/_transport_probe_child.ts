// Child of bench/transport_probe.ts. Modes:
// - "frames": echoes each payload through the transport (_runtime/spawn.ts on the
//   parent side, _worker/parent_channel.ts here): the cost of the layer alone.
// - "messages": decodes and re-encodes each message (_wire/codec.ts) as well.
// - "stdio": the raw baseline, frames over stdin/stdout with
//   each runtime's fastest raw API (Deno: read + one writeSync per chunk;
//   Bun: Bun.stdin stream + Bun.stdout writer).
// Every mode first sends a one-byte "ready" frame.

import process from "node:process";
import { decodeMessage, encodeMessage } from "../_wire/codec.ts";
import { encodeFrame, FrameDecoder } from "../_wire/frames.ts";
import { openParentChannel } from "../_worker/parent_channel.ts";
import { runtime } from "../_runtime/runtime.ts";

interface BunStdio {
  stdin: { stream(): ReadableStream<Uint8Array> };
  stdout: { writer(): { write(b: Uint8Array): void; flush(): void } };
}

const mode = process.argv[2];
const decoder = new FrameDecoder();
const ready = encodeFrame(new Uint8Array([82]));

if (mode === "frames" || mode === "messages") {
  const channel = openParentChannel((chunk) => {
    for (const payload of decoder.push(chunk)) {
      channel.write(
        mode === "frames" ? encodeFrame(payload) : encodeMessage(decodeMessage(payload)),
      );
    }
  }, () => process.exit(0));
  channel.write(ready);
} else if (runtime === "deno") {
  Deno.stdout.writeSync(ready);
  const buffer = new Uint8Array(1 << 16);
  for (let n; (n = await Deno.stdin.read(buffer)) !== null;) {
    echoSync(buffer.slice(0, n), (b) => writeAll(b));
  }
} else {
  const bun = (globalThis as unknown as { Bun: BunStdio }).Bun;
  const out = bun.stdout.writer();
  out.write(ready);
  out.flush();
  for await (const chunk of bun.stdin.stream()) {
    echoSync(chunk, (b) => {
      out.write(b);
      out.flush();
    });
  }
}

// One write per chunk read, however many frames it held.
function echoSync(chunk: Uint8Array, write: (bytes: Uint8Array) => void): void {
  const frames = decoder.push(chunk).map(encodeFrame);
  if (frames.length === 0) return;
  const total = frames.reduce((n, f) => n + f.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const frame of frames) {
    joined.set(frame, at);
    at += frame.length;
  }
  write(joined);
}

function writeAll(bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) {
    at += Deno.stdout.writeSync(bytes.subarray(at));
  }
}
