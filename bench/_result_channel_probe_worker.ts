// The worker of bench/result_channel_probe.ts: runs x + 1 over each batch it
// is sent and reports every result by the mode the batch names.

const scope = globalThis as unknown as {
  self?: { postMessage(m: unknown): void; onmessage: unknown };
};
let post: (message: unknown) => void;
let listen: (receive: (message: unknown[]) => void) => void;
if (scope.self === undefined) {
  const port = (await import("node:worker_threads")).parentPort!;
  post = (message) => port.postMessage(message);
  listen = (receive) => {
    (port as unknown as { onmessage: (e: { data: unknown[] }) => void }).onmessage = (e) =>
      receive(e.data);
  };
} else {
  const self = scope.self;
  post = (message) => self.postMessage(message);
  listen = (receive) => (self.onmessage = (e: { data: unknown[] }) => receive(e.data));
}

let results: MessagePort | undefined;
let flag: Int32Array | undefined;
let ring: Float64Array | undefined;
let written = 0;

listen((message) => {
  if (message[0] === "init") {
    results = message[1] as MessagePort;
    flag = message[2] as Int32Array;
    ring = message[3] as Float64Array;
    return;
  }
  const mode = message[0] as string;
  if (mode === "raw") return post([message[1], (message[2] as number) + 1]);
  const batch: unknown[] = [];
  for (let at = 1; at < message.length; at += 2) {
    const id = message[at], value = (message[at + 1] as number) + 1;
    // Same shape as a DoneMessage with one result.
    const done = [1234, 2, 0.001, id, 0, value];
    if (mode === "event") post(done);
    else if (mode === "batched") batch.push(id, 0, value);
    else if (mode === "ring") {
      // id, status, value in shared memory; flag[1] counts what is written,
      // flag[2] what the main thread has read (no overflow check: the window
      // is smaller than the ring).
      const at = (written & 1023) * 3;
      ring![at] = id as number;
      ring![at + 1] = 0;
      ring![at + 2] = value;
      Atomics.store(flag!, 1, ++written);
      if (Atomics.exchange(flag!, 0, 1) === 0) post(0);
    } else {
      results!.postMessage(done);
      // Ring only when the main thread is not already due to drain.
      if (Atomics.exchange(flag!, 0, 1) === 0) {
        if (mode === "port-msg") post(0);
        else Atomics.notify(flag!, 0);
      }
    }
  }
  if (mode === "batched") post([1234, 2, 0.001, ...batch]);
});
