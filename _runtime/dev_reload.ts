// Copyright 2026 the @concurrent/futures authors. MIT license.
// Development loops restart a program inside the same process, so nothing
// ends the old run's child processes: a server that creates its executor at
// top level gained one idle child per edit (issue 17). Each loop does
// something else to the old run, so each adapter hooks its own (the
// adapter's `watchReload` and `afterExecutor`; measured on Deno 2.9.6 and
// Bun 1.4.5):
//
// - `deno run --watch` tears the isolate down and fires `unload` on it.
// - `deno run --watch-hmr` fires no `unload`; it delivers SIGTERM to the old
//   isolate's signal listeners, and the process lives on.
// - `bun --hot` evaluates the modules again in the same isolate: the old
//   executors become unreachable, and the FinalizationRegistry in
//   _pool/executor.ts ends their workers once a garbage collection runs.
//
// Thread workers need none of this on Deno (the isolate's teardown ends
// them); on Bun they go with their unreachable executor.

import { adapter } from "./current.ts";

/** A child process this isolate started. */
export interface OwnedChild {
  kill(signal: "SIGKILL"): void;
}

const children = new Set<OwnedChild>();
let listening = false;

/**
 * Records a child so that a development loop's restart of this isolate ends
 * it; the returned function forgets it (call it when the child exits).
 */
export function ownChild(child: OwnedChild): () => void {
  if (!listening) {
    listening = true;
    adapter.watchReload?.(endChildren);
  }
  children.add(child);
  return () => children.delete(child);
}

function endChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Tells the runtime's development loop that an executor was made. */
export function noteNewExecutor(): void {
  adapter.afterExecutor?.();
}
