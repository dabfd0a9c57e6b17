// Copyright 2026 the @concurrent/futures authors. MIT license.
// A runtime this package does not know: threads on the web Worker where it
// has one, no child processes.

import type { RuntimeAdapter } from "./adapter.ts";
import { startWebWorker } from "./web_worker.ts";

/** The adapter of an unknown runtime. */
export const otherAdapter: RuntimeAdapter = {
  runtime: "other",
  startThread: startWebWorker,
  resultsMapped: false,
  planChild() {
    throw new Error(
      "Cannot start child processes: this runtime is neither Deno, Bun nor Node, and ProcessPoolExecutor needs one of them",
    );
  },
};
