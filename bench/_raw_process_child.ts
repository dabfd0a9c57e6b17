// The raw baseline's child: u32-LE length-prefixed JSON frames over stdin
// and stdout, no library. Ops as in _raw_thread_worker.ts. With `--thread`,
// it also starts one thread that does nothing, as our child starts its
// protocol thread (a web Worker, node:worker_threads in Node): the floor the
// runtime's thread sets, beside ours in bench/run.ts.
import process from "node:process";
import { Buffer } from "node:buffer";

if (process.argv.includes("--thread")) startIdleThread();

function startIdleThread(): void {
  // A listener keeps the thread alive, as our protocol thread's read does.
  if (typeof Worker === "function") {
    const body = "globalThis.onmessage = () => {};";
    const url = URL.createObjectURL(new Blob([body], { type: "text/javascript" }));
    const worker: Worker & { unref?(): void } = new Worker(url, { type: "module" });
    worker.unref?.();
    return;
  }
  const builtins = process as unknown as {
    getBuiltinModule(id: "node:worker_threads"): typeof import("node:worker_threads");
  };
  const { Worker: NodeWorker } = builtins.getBuiltinModule("node:worker_threads");
  const body =
    'process.getBuiltinModule("node:worker_threads").parentPort.on("message", () => {});';
  new NodeWorker(body, { eval: true }).unref();
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
let buffered: Buffer = Buffer.alloc(0);
process.stdin.on("data", (chunk: Buffer) => {
  buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
  const out: Buffer[] = [];
  let at = 0;
  while (buffered.length - at >= 4) {
    const length = buffered.readUInt32LE(at);
    if (buffered.length - at - 4 < length) break;
    const [id, op, x] = JSON.parse(
      buffered.toString("utf8", at + 4, at + 4 + length),
    );
    at += 4 + length;
    const value = op === 0 ? x + 1 : op === 1 ? fib(x) : (x as number[]).map((v) => v + 1);
    const payload = Buffer.from(JSON.stringify([id, value]));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(payload.length);
    out.push(header, payload);
  }
  buffered = buffered.subarray(at);
  if (out.length) process.stdout.write(Buffer.concat(out));
});
process.stdin.on("end", () => process.exit(0));
