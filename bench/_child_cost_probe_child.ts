// The child of bench/child_cost_probe.ts: loads what every child loads
// (node:process, node:buffer), then one more thing by variant, prints how
// long that thing held the main thread, and waits to be killed (the parent
// reads its RSS meanwhile). fds 3 and 4 are sockets to the parent, as a pool
// child's channel.
import process from "node:process";
import "node:buffer";

const variant = process.argv.at(-1)!;
const builtins = process as unknown as {
  getBuiltinModule(id: string): unknown;
  binding?(name: string): unknown;
};
const start = performance.now();
if (variant === "fs") builtins.getBuiltinModule("node:fs");
if (variant === "v8") builtins.getBuiltinModule("node:v8");
if (variant === "stdin") process.stdin.on("data", () => {}); // the raw child's channel
if (variant === "net+fs") {
  // A pool child's channel until issue 25: a net.Socket reads fd 3, node:fs
  // writes fd 4.
  const { Socket } = builtins.getBuiltinModule("node:net") as typeof import("node:net");
  new Socket({ fd: 3, readable: true, writable: false }).on("data", () => {});
  builtins.getBuiltinModule("node:fs");
}
if (variant === "handles") {
  // A Deno pool child's channel now (_worker/stream_handles.ts).
  // deno-lint-ignore no-explicit-any
  const pipes = builtins.binding!("pipe_wrap") as any;
  // deno-lint-ignore no-explicit-any
  const streams = builtins.binding!("stream_wrap") as any;
  const input = new pipes.Pipe(pipes.constants.SOCKET);
  input.open(3);
  input.onread = () => {};
  input.readStart();
  const output = new pipes.Pipe(pipes.constants.SOCKET);
  output.open(4);
  output.setBlocking(true);
  output.writeBuffer(new streams.WriteWrap(), new Uint8Array(8));
}
if (variant === "worker") {
  // An idle web Worker, as ours is one: the constructor's own time.
  const url = URL.createObjectURL(
    new Blob(["globalThis.onmessage = () => {};"], { type: "text/javascript" }),
  );
  const worker: Worker & { unref?(): void } = new Worker(url, { type: "module" });
  worker.unref?.();
}
process.stdout.write(`${performance.now() - start}\n`);
setInterval(() => {}, 2 ** 30);
