// Copyright 2026 the @concurrent/futures authors. MIT license.
// A child's protocol thread: a small thread beside the main one, on fd 5, a
// socket the parent holds open. It does two things the main thread cannot
// while a synchronous task holds it:
//
// - Watchdog. When the parent dies, even by SIGKILL, fd 5 ends, and the
//   thread kills its own process at once (the main thread alone would notice
//   only when the task ends: measured 19.7 s for a 20 s task, against
//   15-43 ms with the watchdog).
// - Hand-back. The pool asks on fd 5 for tasks it sent ahead, for an idle
//   worker; the thread claims those not started in the claim ring
//   (child_ring.ts) and answers on fd 5 with their ids, in a millisecond
//   whatever the main thread does. (Answered by the main thread between
//   tasks, a burst of [500, 500, 10, 10, 10, 10] ms synchronous tasks took
//   1013-1018 ms on two children, against CPython's 523 ms.)
//
// - Bursts. Results the main thread left in the burst log (burst_log.ts)
//   while a task holds it go out on fd 5 once they waited a millisecond.
//
// Frames on fd 5 are the channel's (_wire/frames.ts: length, check word,
// payload): from the pool, float64s (little-endian), pairs of task id and
// sequence number; from the child, bursts (JSON, the codec's tag first) and
// answers: a zero byte, then the worker's token and the ids handed back, as
// float64s.
//
// The thread is a web Worker from a blob: URL (Deno, Bun), or in Node, which
// has no web Worker, a node:worker_threads worker from its text (`eval`), so
// it needs no file of ours and no permission. A signal to our own pid ends the process and needs no
// Deno permission (process.exit() in a worker ends only the worker). It
// reads with Bun.file() in Bun (a net.Socket on a bare fd never reads there)
// and a net.Socket in Deno and Node (Deno's node:fs cannot use inherited fds
// off the main thread).

import { FRAME_CHECK, HEADER_BYTES } from "../_wire/frames.ts";
import process from "node:process";
import { reclaimSlot } from "./child_ring.ts";
import { type BurstLogMemory, clock, frameBurst, HOLD_US, sentBy, Word } from "./burst_log.ts";
import { TAG_JSON } from "../_wire/codec.ts";
import { Msg } from "../_wire/protocol.ts";
import { runtime } from "../_runtime/runtime.ts";

interface ThreadHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
  unref?(): void;
  /** A web Worker's. */
  addEventListener?(type: "error", listener: () => void): void;
  /** A node:worker_threads worker's. */
  on?(type: "exit", listener: () => void): void;
}

type NodeWorkerClass = new (code: string, options: { eval: true; name: string }) => ThreadHandle;

// A node:worker_threads worker has no `onmessage` of its own: this makes
// one. Its text may run as a script or, under the parent's inherited
// `--input-type=module`, as a module: it uses neither `require` nor `import`.
const NODE_PRELUDE = 'process.getBuiltinModule("node:worker_threads").parentPort' +
  '.on("message", (data) => globalThis.onmessage?.({ data }));\n';

/** The child's side of its protocol thread. */
export interface ProtocolThread {
  /** Tells the thread the token that starts the worker's messages. */
  setToken(token: number): void;
  /**
   * Fault injection, for tests: "kill" terminates the thread, "freeze"
   * blocks it for good and returns once it is blocked (or after 5 s).
   */
  fault(fault: "kill" | "freeze"): void;
}

/**
 * The key of the global through which a task in a child can inject a fault
 * into its protocol thread (tests/process_faults_test.ts): the promises the
 * child keeps must not depend on that thread being alive or responsive.
 */
export const FAULT_HOOK: unique symbol = Symbol.for("@concurrent/futures.protocolThreadFault");

/** Installs `thread.fault` as the global fault hook. */
export function exposeFaults(thread: ProtocolThread): void {
  (globalThis as Record<symbol, unknown>)[FAULT_HOOK] = (fault: "kill" | "freeze") =>
    thread.fault(fault);
}

/**
 * Starts the protocol thread on `fd`, sharing the claim `ring` and the burst
 * `log` with it; it never holds the process open.
 */
export function startProtocolThread(
  fd: number,
  ring: Int32Array,
  log: BurstLogMemory,
  onGone: () => void,
): ProtocolThread {
  const wire = { header: HEADER_BYTES, check: FRAME_CHECK, tag: TAG_JSON, burst: Msg.Burst };
  const source = `${reclaimSlot}\n${clock}\n${sentBy}\n${frameBurst}\n(${protocolThread})(${fd}, ${
    JSON.stringify(wire)
  }, ${JSON.stringify(Word)}, ${HOLD_US});`;
  const worker = startThread(source);
  worker.unref?.();
  // Gone (an error it did not catch, an exit, terminated here): the main
  // thread sends its results itself from then on. (What the runtime does
  // next with an error, it still does.)
  worker.addEventListener?.("error", onGone);
  worker.on?.("exit", onGone);
  worker.postMessage({ ring, log });
  let frozen: Int32Array | undefined;
  return {
    setToken: (token) => worker.postMessage({ token }),
    fault(fault) {
      if (fault === "kill") {
        worker.terminate();
        return onGone();
      }
      if (frozen) return;
      frozen = new Int32Array(new SharedArrayBuffer(4));
      worker.postMessage({ freeze: frozen });
      Atomics.wait(frozen, 0, 0, 5000);
    },
  };
}

function startThread(source: string): ThreadHandle {
  if (runtime === "node") {
    // Synchronous, and without loading node:worker_threads in the other runtimes.
    const { getBuiltinModule } = process as unknown as { getBuiltinModule(id: string): unknown };
    const { Worker } = getBuiltinModule("node:worker_threads") as { Worker: NodeWorkerClass };
    return new Worker(NODE_PRELUDE + source, { eval: true, name: "protocol" });
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  return new Worker(url, { type: "module", name: "protocol" });
}

// The thread's code, run from its source text: it may use no outside name
// but reclaimSlot, clock, sentBy and frameBurst, which the source carries
// before it.
async function protocolThread(
  fd: number,
  wire: { header: number; check: number; tag: number; burst: number },
  word: typeof Word,
  hold: number,
): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as unknown as Record<string, any>;
  const { header, check } = wire;
  const die = () => g.process.kill(g.process.pid, "SIGKILL");
  let ring: Int32Array | undefined;
  let log: BurstLogMemory | undefined;
  let token: number | undefined;
  let write: (bytes: Uint8Array, done: () => void) => void;
  let writable!: () => void;
  const opened = new Promise<void>((resolve) => writable = resolve);
  let buffered = new Uint8Array(0);
  // Every write on fd 5 holds the log's lock, which the main thread takes to
  // write there as the process exits: no frame of one runs into the other's.
  let writing = 0;
  // Results this thread sent (a wrapping count).
  let threadSent = 0;
  const send = (bytes: Uint8Array) => {
    if (writing++ === 0 && log && Atomics.compareExchange(log.control, word.Lock, 0, 1) !== 0) {
      writing--;
      return Promise.resolve(); // the process is exiting
    }
    return new Promise<void>((resolve) =>
      write(bytes, () => {
        if (--writing === 0 && log) {
          Atomics.store(log.control, word.Lock, 0);
          Atomics.notify(log.control, word.Lock);
        }
        resolve();
      })
    );
  };
  // What neither thread sent yet, as one burst (or undefined).
  const frameUnsent = (log: BurstLogMemory, token: number) =>
    frameBurst(
      log,
      undefined,
      threadSent,
      { token, type: wire.burst, busy: 0 },
      header,
      check,
      wire.tag,
    );
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // Results the main thread left in the log while a task holds it: written
  // here once the oldest has waited `hold` µs (burst_log.ts).
  const watch = async (log: BurstLogMemory, token: number) => {
    const control = log.control;
    // When this thread first saw the results that wait now. PENDING_AT is
    // set only as a task starts behind results, so a thread that looks
    // between an append and the main thread's write at the end of its turn
    // reads the mark of older results: it still waits `hold` from here.
    let seenAt: number | undefined;
    await opened;
    for (;;) {
      // Seen alive: the main thread leaves results to this one only while
      // it answers (and waits for it at exit).
      Atomics.store(control, word.Beat, clock(log.origin));
      Atomics.notify(control, word.Beat);
      if (Atomics.load(control, word.End) === sentBy(control, threadSent)) {
        // Nothing to send: sleep until the main thread says (it looks at
        // IDLE after it adds results, this looks at END after it sets
        // IDLE). No timeout: an idle child costs no CPU.
        seenAt = undefined;
        Atomics.store(control, word.Idle, 1);
        const wake = Atomics.load(control, word.Wake);
        if (Atomics.load(control, word.End) === sentBy(control, threadSent)) {
          const waiting = Atomics.waitAsync(control, word.Wake, wake);
          if (waiting.async) await waiting.value;
        }
        Atomics.store(control, word.Idle, 0);
        continue;
      }
      const now = clock(log.origin);
      seenAt ??= now;
      const pending = (now - Atomics.load(control, word.PendingAt)) | 0;
      const seen = (now - seenAt) | 0;
      const waited = pending > -hold && pending < seen ? pending : seen;
      if (waited < hold) {
        await sleep(Math.max(1, (hold - waited) / 1000));
        continue;
      }
      const burst = frameUnsent(log, token);
      if (!burst) {
        await sleep(1);
        continue;
      }
      await send(burst.frame);
      seenAt = undefined;
      threadSent = burst.to;
      Atomics.store(control, word.ThreadSent, threadSent);
    }
  };
  // Stopped for a task: what finished, then the tasks handed back, then the
  // end (the pool takes every task it does not get back as begun).
  const halted = async (answer: Uint8Array) => {
    const burst = log && token !== undefined ? frameUnsent(log, token) : undefined;
    if (burst) send(burst.frame);
    await send(answer);
    die();
  };
  // Frames wait for the ring and the token (the main thread sends both at
  // its start; a question can be read first).
  const receive = (chunk: Uint8Array) => {
    const joined = new Uint8Array(buffered.length + chunk.length);
    joined.set(buffered);
    joined.set(chunk, buffered.length);
    let at = 0;
    while (ring && token !== undefined) {
      if (joined.length - at < header) break;
      const view = new DataView(joined.buffer, at);
      const length = view.getUint32(0, true);
      if ((length ^ check) >>> 0 !== view.getUint32(4, true)) return die();
      if (joined.length - at - header < length) break;
      const asked = new DataView(joined.buffer, at + header, length);
      const ids = [token];
      let halt = false;
      for (let i = 0; i + 16 <= length; i += 16) {
        const id = asked.getFloat64(i, true);
        if (id === -1) halt = true; // a first pair of -1s
        else if (ring && reclaimSlot(ring, asked.getFloat64(i + 8, true))) ids.push(id);
      }
      // An answer: a zero byte (a burst starts with the codec's tag), then
      // the token and the ids, float64s.
      const size = 1 + 8 * ids.length;
      const answer = new Uint8Array(header + size);
      const out = new DataView(answer.buffer);
      out.setUint32(0, size, true);
      out.setUint32(4, (size ^ check) >>> 0, true);
      ids.forEach((id, i) => out.setFloat64(header + 1 + 8 * i, id, true));
      if (halt) return void halted(answer);
      send(answer);
      at += header + length;
    }
    buffered = joined.slice(at);
  };
  g.onmessage = (
    event: {
      data: { ring?: Int32Array; log?: BurstLogMemory; token?: number; freeze?: Int32Array };
    },
  ) => {
    const { freeze } = event.data;
    if (freeze) {
      // A fault injected by a test: say so, then block for good.
      Atomics.store(freeze, 0, 1);
      Atomics.notify(freeze, 0);
      for (;;) Atomics.wait(freeze, 0, 1);
    }
    if (event.data.ring) ring = event.data.ring;
    if (event.data.log) log = event.data.log;
    if (event.data.token !== undefined) {
      token = event.data.token;
      if (log) watch(log, token);
    }
    receive(new Uint8Array(0));
  };
  if (g.Bun) {
    // node:fs is loaded by the first write (an answer, a burst): a child
    // that never writes here never pays for it.
    let fs: typeof import("node:fs") | undefined;
    write = (bytes, done) => {
      try {
        fs ??= g.process.getBuiltinModule("node:fs") as typeof import("node:fs");
        for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
      } catch {
        die(); // the parent is gone
      }
      done();
    };
    writable();
    try {
      for await (const chunk of g.Bun.file(fd).stream()) receive(chunk);
    } catch {
      // A reset: the parent is gone, as at the end.
    }
    die();
  } else {
    const { Socket } = await import("node:net");
    const socket = new Socket({ fd, readable: true, writable: true });
    write = (bytes, done) =>
      void socket.write(bytes, (error?: Error | null) => error ? die() : done());
    writable();
    socket.on("data", receive);
    socket.on("end", die);
    socket.on("error", die);
  }
}
