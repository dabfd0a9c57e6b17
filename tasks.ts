// The task module README.md's examples call ./tasks.ts: the README shows its
// two functions, and `deno test --doc README.md` (in .ci/run) runs the
// examples against this file. Not part of the package (excluded from publish).

import { createHash } from "node:crypto";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
