// The raw thread baseline: what a careful user writes by hand. Web Workers
// (the fastest plain worker in both runtimes), id-tagged messages,
// round-robin, one postMessage per call.

const WORKER = new URL("./_raw_thread_worker.ts", import.meta.url);

/** A minimal pool of web Workers. */
export class RawThreadPool {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, (value: unknown) => void>();
  #next = 0;

  constructor(size: number) {
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER, { type: "module" });
      worker.onmessage = ({ data: [id, value] }) => {
        this.#pending.get(id)!(value);
        this.#pending.delete(id);
      };
      return worker;
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
    // Deno's web Worker keeps the process alive until terminated.
    for (const worker of this.#workers) worker.terminate();
    return Promise.resolve();
  }
}
