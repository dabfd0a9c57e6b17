// The raw thread baseline: what a careful user writes by hand. Web Workers
// (the fastest plain worker in Deno and Bun), node:worker_threads on Node
// (which has no web Worker), id-tagged messages, round-robin, one postMessage
// per call.

import { Worker as NodeWorker } from "node:worker_threads";
import { runtime } from "../_runtime/runtime.ts";

const WORKER = new URL("./_raw_thread_worker.ts", import.meta.url);
const NODE_WORKER = new URL("./_raw_node_thread_worker.ts", import.meta.url);

/** What the pool needs of either kind of worker. */
interface RawWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** A minimal pool of web Workers (node:worker_threads on Node). */
export class RawThreadPool {
  readonly #workers: RawWorker[];
  readonly #pending = new Map<number, (value: unknown) => void>();
  #next = 0;

  /**
   * `worker`: the web Worker's module instead of the raw one (Deno and Bun;
   * it must answer the raw protocol).
   */
  constructor(size: number, worker: URL | string = WORKER) {
    const settle = ([id, value]: [number, unknown]) => {
      this.#pending.get(id)!(value);
      this.#pending.delete(id);
    };
    this.#workers = Array.from({ length: size }, () => {
      if (runtime === "node") return new NodeWorker(NODE_WORKER).on("message", settle);
      const web = new Worker(worker, { type: "module" });
      web.onmessage = ({ data }) => settle(data);
      return web;
    });
  }

  /** Runs op on x in the next worker, round-robin. */
  call(op: number, x: unknown): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#workers[id % this.#workers.length]!.postMessage([id, op, x]);
    });
  }

  close(): Promise<void> {
    // A worker (web or node:worker_threads) keeps the process alive until terminated.
    for (const worker of this.#workers) worker.terminate();
    return Promise.resolve();
  }
}
