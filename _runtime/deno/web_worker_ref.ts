// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno's web Worker has no public ref()/unref(), but its class keeps the
// switch it would need: a method under an anonymous symbol
// (`[privateWorkerRef](ref)` in Deno's runtime/js/11_workers.js, 2.x) that
// counts refs from 1 and, at 0, unrefs the two receives that keep the
// program alive (and refs them again back at 1). Nothing public reaches it;
// it is found here by its shape, and where it is not found (a Deno that
// renamed or removed it) the pool keeps node:worker_threads.

type RefMethod = (this: Worker, ref: boolean) => void;

/**
 * The web Worker's private ref switch, or undefined if this Deno has no
 * single anonymous one-argument method on `Worker.prototype`.
 */
export function findWorkerRef(): ((worker: Worker, ref: boolean) => void) | undefined {
  const proto = globalThis.Worker?.prototype as unknown as Record<symbol, unknown> | undefined;
  if (!proto) return undefined;
  const found = Object.getOwnPropertySymbols(proto).filter((key) => {
    const method = Object.getOwnPropertyDescriptor(proto, key)?.value;
    return key.description === undefined && typeof method === "function" && method.length === 1;
  });
  if (found.length !== 1) return undefined;
  const method = proto[found[0]!] as RefMethod;
  return (worker, ref) => method.call(worker, ref);
}
