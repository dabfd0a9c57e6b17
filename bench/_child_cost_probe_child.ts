// The child of bench/child_cost_probe.ts: loads what the raw baseline's
// child loads (node:process, node:buffer, node:net), then one more thing by
// variant, prints how long that thing held the main thread, and waits for
// the end of stdin (the parent reads its RSS meanwhile).
import process from "node:process";
import "node:buffer";
import "node:net";

const variant = process.argv.at(-1)!;
const builtins = process as unknown as { getBuiltinModule(id: string): unknown };
const start = performance.now();
if (variant === "fs") builtins.getBuiltinModule("node:fs");
if (variant === "v8") builtins.getBuiltinModule("node:v8");
if (variant === "worker") {
  // An idle web Worker, as ours is one: the constructor's own time.
  const url = URL.createObjectURL(
    new Blob(["globalThis.onmessage = () => {};"], { type: "text/javascript" }),
  );
  const worker: Worker & { unref?(): void } = new Worker(url, { type: "module" });
  worker.unref?.();
}
process.stdout.write(`${performance.now() - start}\n`);
process.stdin.on("data", () => {}).on("end", () => process.exit(0));
