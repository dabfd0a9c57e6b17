// What single things cost a child's main thread: a bare child (what the raw
// baseline's child loads) against the same child that also loads node:fs
// (our channel's synchronous writes), node:v8 (the clone codec), or
// constructs one idle web Worker (our protocol thread). Alternating, medians:
// RSS once the thing is done, and how long it held the main thread.
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
const variants = ["none", "fs", "v8", "worker"];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

function one(variant: string): Promise<{ held: number; mib: number }> {
  const args = runtime === "deno" ? ["run", "-A", CHILD, variant] : [CHILD, variant];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve) => {
    child.stdout!.once("data", (chunk: Uint8Array) => {
      const held = Number(new TextDecoder().decode(chunk).trim());
      const mib = rss(child.pid!);
      child.once("exit", () => resolve({ held, mib }));
      child.stdin!.end();
    });
  });
}

const samples = new Map(variants.map((v) => [v, { held: [] as number[], mib: [] as number[] }]));
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const { held, mib } = await one(variant);
    samples.get(variant)!.held.push(held);
    samples.get(variant)!.mib.push(mib);
  }
}
const none = median(samples.get("none")!.mib);
console.log(`${runtime}, ${rounds} rounds, medians:`);
console.log("variant   RSS MiB   +MiB   main thread held ms");
for (const [variant, s] of samples) {
  const mib = median(s.mib);
  console.log(
    `${variant.padEnd(8)} ${mib.toFixed(1).padStart(7)}  ${(mib - none).toFixed(1).padStart(5)}  ${
      median(s.held).toFixed(1).padStart(8)
    }`,
  );
}
