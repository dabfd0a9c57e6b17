// What single things cost a child's main thread: a bare child (node:process
// and node:buffer, which every child loads) against the same child that also
// reads its channel as the raw baseline's child does (process.stdin), as a
// pool child did until issue 25 (a net.Socket on fd 3, node:fs for fd 4), or
// as a Deno pool child does now (the stream handles beneath net.Socket,
// _worker/stream_handles.ts; Deno only), or that loads node:fs, node:v8 (the
// clone codec), or constructs one idle web Worker (our protocol thread); in
// Deno also the bare child run with --no-config (a file child like the raw
// one: ours is a data: module, for which the config costs less; both get the
// program's deno.json). Alternating, medians: RSS once the thing is done,
// how long it held the main thread, and spawn → ready.
//
//   deno run -A bench/child_cost_probe.ts [--rounds N]
//   bun bench/child_cost_probe.ts [--rounds N]
//
// Figures: ARCHITECTURE.md, "A child's protocol thread".

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";

const argv = runtime === "deno" ? Deno.args : process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 9;
const CHILD = new URL("./_child_cost_probe_child.ts", import.meta.url).pathname;
const variants = runtime === "deno"
  ? ["none", "no-config", "stdin", "net+fs", "handles", "fs", "v8", "worker"]
  : ["none", "stdin", "net+fs", "fs", "v8", "worker"];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

type Sample = { held: number; mib: number; ready: number };

function one(variant: string): Promise<Sample> {
  const args = runtime !== "deno"
    ? [CHILD, variant]
    : variant === "no-config"
    ? ["run", "-A", "--no-config", CHILD, "none"]
    : ["run", "-A", CHILD, variant];
  const start = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit", "pipe", "pipe"],
  });
  return new Promise((resolve) => {
    child.stdout!.once("data", (chunk: Uint8Array) => {
      const ready = performance.now() - start;
      const held = Number(new TextDecoder().decode(chunk).trim());
      const mib = rss(child.pid!);
      child.once("exit", () => {
        for (const stream of child.stdio) stream?.destroy();
        resolve({ held, mib, ready });
      });
      child.kill();
    });
  });
}

const samples = new Map(
  variants.map((v) => [v, { held: [] as number[], mib: [] as number[], ready: [] as number[] }]),
);
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const sample = await one(variant);
    const into = samples.get(variant)!;
    into.held.push(sample.held);
    into.mib.push(sample.mib);
    into.ready.push(sample.ready);
  }
}
const none = median(samples.get("none")!.mib);
console.log(`${runtime}, ${rounds} rounds, medians:`);
console.log("variant     RSS MiB   +MiB  held ms  ready ms");
for (const [variant, s] of samples) {
  const mib = median(s.mib);
  console.log(
    `${variant.padEnd(10)} ${mib.toFixed(1).padStart(7)}  ${(mib - none).toFixed(1).padStart(5)}  ${
      median(s.held).toFixed(1).padStart(7)
    }  ${median(s.ready).toFixed(1).padStart(8)}`,
  );
}
