// The child of bench/child_thread_probe.ts: a bare child that reads fd 3 as
// ours reads its channel, plus (by variant) a second thread like our
// protocol thread, started before or after the child says it is ready.
// Writes "ready\n" on stdout when it could take a task, "up\n" once its
// thread runs too, and exits at the end of fd 3.
import process from "node:process";

const variant = process.argv.at(-1) ?? (globalThis as { Deno?: { args: string[] } }).Deno?.args
  .at(-1) ??
  "none";
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

// What our protocol thread does: read a socket fd in the thread.
const IO = `(async () => {
  const g = globalThis;
  if (g.Bun) { for await (const _ of g.Bun.file(5).stream()) {} }
  else { const { Socket } = await import("node:net"); new Socket({ fd: 5, readable: true }).on("data", () => {}); }
})();`;
// Deno: the same watchdog without the node layer, on fd 0 (a pipe), which a
// Deno worker can read with Deno.stdin; it cannot write it.
const STDIN = `(async () => {
  const buffer = new Uint8Array(65536);
  while (await Deno.stdin.read(buffer) !== null);
})();`;
const READY = `postMessage("up");`;
const WT_READY = `require("node:worker_threads").parentPort.postMessage("up");`;

function webWorker(body: string, options: Record<string, unknown> = {}): Promise<void> {
  const url = URL.createObjectURL(new Blob([body], { type: "text/javascript" }));
  const worker: Worker & { unref?(): void } = new Worker(url, { type: "module", ...options });
  worker.unref?.();
  return new Promise((resolve) => (worker.onmessage = () => resolve()));
}

async function nodeWorker(body: string, limits: boolean): Promise<void> {
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(body, {
    eval: true,
    ...(limits
      ? {
        resourceLimits: {
          maxYoungGenerationSizeMb: 1,
          maxOldGenerationSizeMb: 16,
          codeRangeSizeMb: 1,
          stackSizeMb: 1,
        },
      }
      : {}),
  });
  worker.unref();
  await new Promise((resolve) => worker.once("message", resolve));
}

function start(): Promise<void> {
  switch (variant) {
    case "web-empty":
      return webWorker(READY);
    case "web":
    case "late":
      return webWorker(IO + READY);
    case "stdin":
      return webWorker(STDIN + READY);
    case "smol":
      return webWorker(IO + READY, { smol: true });
    case "nwt":
      return nodeWorker(
        IO.replace(`await import("node:net")`, `require("node:net")`) + WT_READY,
        false,
      );
    case "nwt-limits":
      return nodeWorker(
        IO.replace(`await import("node:net")`, `require("node:net")`) + WT_READY,
        true,
      );
    default:
      return Promise.resolve();
  }
}

const { Socket } = await import("node:net");
const ready = () => process.stdout.write("ready\n");
if (variant === "late") {
  ready();
  await start();
} else {
  await start();
  ready();
}
process.stdout.write("up\n");
if (g.Bun) {
  (async () => {
    for await (const _ of g.Bun.file(3).stream());
    process.exit(0);
  })();
} else {
  new Socket({ fd: 3, readable: true }).on("data", () => {}).on("end", () => process.exit(0));
}
