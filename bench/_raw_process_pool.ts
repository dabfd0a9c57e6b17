// The raw process baseline: children of the same runtime echoing
// length-prefixed JSON frames over stdin/stdout, round-robin, pipelined.

import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

const CHILD = new URL("./_raw_process_child.ts", import.meta.url).pathname;

/** A minimal pool of child processes. */
export class RawProcessPool {
  readonly #children: ChildProcess[];
  readonly #pending = new Map<number, (value: unknown) => void>();
  #next = 0;

  /**
   * @param options.thread Each child also starts one idle thread (the floor
   * a runtime's thread sets under our children's protocol thread).
   */
  constructor(size: number, options: { thread?: boolean } = {}) {
    const flags = options.thread ? ["--thread"] : [];
    this.#children = Array.from({ length: size }, () => {
      const argv = runtime === "deno" ? ["run", "-A", CHILD, ...flags] : [CHILD, ...flags];
      const child = spawn(process.execPath, argv, {
        stdio: ["pipe", "pipe", "inherit"],
      });
      let buffered: Buffer = Buffer.alloc(0);
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        let at = 0;
        while (buffered.length - at >= 4) {
          const length = buffered.readUInt32LE(at);
          if (buffered.length - at - 4 < length) break;
          const [id, value] = JSON.parse(
            buffered.toString("utf8", at + 4, at + 4 + length),
          );
          at += 4 + length;
          this.#pending.get(id)!(value);
          this.#pending.delete(id);
        }
        buffered = buffered.subarray(at);
      });
      return child;
    });
  }

  /** Runs op on x in the next child, round-robin. */
  call(op: number, x: unknown): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      const payload = Buffer.from(JSON.stringify([id, op, x]));
      const header = Buffer.alloc(4);
      header.writeUInt32LE(payload.length);
      this.#children[id % this.#children.length]!.stdin!.write(
        Buffer.concat([header, payload]),
      );
    });
  }

  /** The children's process ids. */
  get pids(): number[] {
    return this.#children.map((child) => child.pid!);
  }

  async close(): Promise<void> {
    await Promise.all(this.#children.map((child) =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin!.end();
      })
    ));
  }
}
