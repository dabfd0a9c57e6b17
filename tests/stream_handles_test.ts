// A Deno child's channel by the stream handles beneath net.Socket
// (_worker/stream_handles.ts): what the pool relies on, each in a child of
// its own. Deno only: Bun and Node children write fd 4 with node:fs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { Buffer } from "node:buffer";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

const denoOnly = { skip: runtime !== "deno" && "Deno's stream handles" };
const CHILD = new URL("./fixtures/stream_handles_child.ts", import.meta.url).pathname;

function start(mode: string): ChildProcess {
  return spawn(process.execPath, ["run", "-A", CHILD, mode], {
    stdio: ["ignore", "pipe", "inherit", "pipe", "pipe"],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

function collect(stream: Readable): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  return new Promise((resolve) => stream.once("end", () => resolve(chunks)));
}

function dispose(child: ChildProcess): void {
  for (const stream of child.stdio) stream?.destroy();
}

test(
  "a write on fd 4 leaves whole before it returns, though the child exits right after",
  denoOnly,
  async () => {
    // 3 MiB is more than the socket holds: a handle that queued the rest for
    // the event loop would lose it at the exit (219 KiB arrived without
    // setBlocking).
    const child = start("big");
    const [chunks, code] = await Promise.all([collect(child.stdio[4] as Readable), exited(child)]);
    dispose(child);
    assert.equal(code, 0);
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    assert.equal(bytes, 3 * 1024 * 1024);
    assert.ok(chunks.every((chunk) => chunk.every((byte) => byte === 7)));
  },
);

test("a write on an fd 4 the parent closed reports EPIPE through lost()", denoOnly, async () => {
  const child = start("refused");
  const output = child.stdio[4] as Readable;
  const closed = new Promise((resolve) => output.once("close", resolve));
  output.destroy();
  await closed;
  const out = collect(child.stdout!);
  (child.stdio[3] as Writable).write("go");
  const [code, chunks] = await Promise.all([exited(child), out]);
  dispose(child);
  assert.equal(code, 0);
  assert.equal(Buffer.concat(chunks).toString().trim(), "lost EPIPE");
});

test("fd 3 is read to its end, in order, and fd 4 carries it back", denoOnly, async () => {
  const child = start("echo");
  const back = collect(child.stdio[4] as Readable);
  const input = child.stdio[3] as Writable;
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const chunk = new Uint8Array(4096).fill(i);
    sent.push(chunk);
    input.write(chunk);
  }
  input.end();
  const [chunks, code] = await Promise.all([back, exited(child)]);
  dispose(child);
  assert.equal(code, 0);
  const expected = Buffer.concat([...sent, new TextEncoder().encode("end")]);
  assert.ok(Buffer.concat(chunks).equals(expected));
});
