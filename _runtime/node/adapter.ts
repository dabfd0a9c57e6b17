// Copyright 2026 the @concurrent/futures authors. MIT license.
// Node. Threads run on node:worker_threads (Node has no web Worker), from
// the worker code given as `workerData` to a small script run with `eval`.
// Children run `node -e` with the parent's flags (child.ts).

import process from "node:process";
import type { RuntimeAdapter } from "../adapter.ts";
import { startNodeWorker } from "../node_worker.ts";
import { planNodeChild } from "./child.ts";
import { checkNodePermissions, type NodePermission } from "./permissions.ts";

// Runs the worker code, `workerData.source`, as an async function (see
// source_url.ts); a failure to start is the worker's uncaught error. A
// message on `workerData.close` ends the thread with process.exit(), which
// hands the main thread what the worker printed (terminate() drops it). The
// text may run as a script or, under an inherited `--input-type=module`, as
// a module: it uses neither `require` nor `import`.
const RUN_WORKER_DATA =
  'const { workerData } = process.getBuiltinModule("node:worker_threads");\n' +
  "workerData.close.onmessage = () => process.exit(0);\n" +
  "workerData.close.unref();\n" +
  "(async () => {}).constructor(workerData.source)();\n";

// Node 20 (end of life in April 2026) lacks process.getBuiltinModule, which
// a thread's start script needs, and `navigator`: say so instead of failing
// in the worker with a ReferenceError.
const MIN_MAJOR = 22;

/**
 * Throws on a Node older than 22.
 *
 * @throws {Error} Naming the version and what to use instead.
 */
export function checkNodeVersion(version: string, what: string): void {
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (major >= MIN_MAJOR) return;
  throw new Error(
    `Cannot start ${what}: Node ${version} is not supported (past its end of life); use Node ${MIN_MAJOR} or later`,
  );
}

/** Node's adapter. */
export const nodeAdapter: RuntimeAdapter = {
  runtime: "node",
  startThread(start) {
    checkNodeVersion(process.version, "threads");
    checkNodePermissions(
      (process as unknown as { permission?: NodePermission }).permission,
      "threads",
    );
    return startNodeWorker(RUN_WORKER_DATA, start, true);
  },
  resultsMapped: false,
  planChild(options) {
    checkNodeVersion(process.version, "child processes");
    return planNodeChild(options);
  },
};
