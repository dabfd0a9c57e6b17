// What a child's second thread costs: memory (RSS) and start (spawn → ready)
// of a bare child, against the same child with a thread like our protocol
// thread started in different ways, alternating variants round by round.
//
//   deno run -A bench/child_thread_probe.ts [--rounds N] [--children N]
//   bun bench/child_thread_probe.ts [--rounds N] [--children N]
//
// Variants: none (a bare child reading fd 3), web-empty (a web Worker that
// does nothing), web (a web Worker that reads fd 5 as our protocol thread
// does), late (the same, started after the child said ready), smol (Bun: a
// web Worker with smol), nwt / nwt-limits (node:worker_threads eval, without
// and with small resourceLimits), v8 (Deno: the web variant with V8 flags for
// small heaps), stdin (Deno: a web Worker that reads fd 0, a pipe, with
// Deno.stdin instead of fd 5 with node:net), and ours (a ProcessPoolExecutor
// child after one task).
//
// Figures (2026-12-07, a loaded 2-core machine) and what they mean:
// ARCHITECTURE.md, "A child's protocol thread". "start ms" of web and nwt
// waits for the thread to be up before the child says ready; late does not.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const flag = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const rounds = flag("--rounds", 5);
const children = flag("--children", 4);
const CHILD = new URL("./_child_thread_probe_child.ts", import.meta.url).pathname;
const V8_FLAGS = "--v8-flags=--max-semi-space-size=1,--min-semi-space-size=1,--max-lazy";

const variants = runtime === "deno"
  ? ["none", "web-empty", "web", "stdin", "late", "nwt", "nwt-limits", "v8", "ours"]
  : ["none", "web-empty", "web", "late", "smol", "nwt", "nwt-limits", "ours"];

const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// One child: ms from spawn to "ready", and its RSS once "up".
function one(variant: string): Promise<{ ready: number; mib: number }> {
  const start = performance.now();
  const args = runtime === "deno"
    ? [
      "run",
      "-A",
      ...(variant === "v8" ? [V8_FLAGS] : []),
      CHILD,
      variant === "v8" ? "web" : variant,
    ]
    : [CHILD, variant];
  const child = spawn(process.execPath, args, {
    stdio: [variant === "stdin" ? "pipe" : "ignore", "pipe", "inherit", "pipe", "pipe", "pipe"],
  });
  return new Promise((resolve) => {
    let ready = 0;
    let text = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      if (!ready && text.includes("ready")) ready = performance.now() - start;
      if (text.includes("up")) {
        const mib = rss(child.pid!);
        child.once("exit", () => resolve({ ready, mib }));
        (child.stdio[3] as unknown as { end(): void }).end();
      }
    });
  });
}

async function ours(): Promise<{ ready: number; mib: number }> {
  const start = performance.now();
  const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  await executor.submit((x: number) => x + 1, 1).result();
  const ready = performance.now() - start;
  const pid = Number(
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim().split(/\s+/)
      .at(-1),
  );
  const mib = rss(pid);
  await executor.shutdown();
  return { ready, mib };
}

const samples = new Map(variants.map((v) => [v, { ready: [] as number[], mib: [] as number[] }]));
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    for (let i = 0; i < children; i++) {
      const { ready, mib } = variant === "ours" ? await ours() : await one(variant);
      samples.get(variant)!.ready.push(ready);
      samples.get(variant)!.mib.push(mib);
    }
  }
}
const none = samples.get("none")!;
console.log(`${runtime}, ${rounds} rounds × ${children} children, medians:`);
console.log("variant      RSS MiB  vs none   start ms  vs none");
for (const [variant, s] of samples) {
  const mib = median(s.mib), ready = median(s.ready);
  console.log(
    `${variant.padEnd(12)} ${mib.toFixed(1).padStart(7)}  ${
      (mib / median(none.mib)).toFixed(2)
    }×  ${ready.toFixed(1).padStart(8)}  ${(ready / median(none.ready)).toFixed(2)}×`,
  );
}
