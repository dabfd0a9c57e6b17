// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno. Threads run on the web Worker: a node:worker_threads worker costs
// about 5 MiB more (Deno boots its Node layer in each one; 14.2 against 9.4
// MiB per idle worker, 2.9.6), and starts in about 20 ms instead of 7.5. Its
// public API lacks two things the pool needs, which the pool gets around:
// unref() (an idle pool would keep every script alive), taken from the
// class's private ref switch (web_worker_ref.ts); and an event when a worker
// ends by itself (close(), Deno.exit()), which the worker code announces
// (_wire/thread_exit.ts). The same switch lets a program end after a
// thread that a stop could not interrupt (Deno cannot stop a busy thread).
// node:worker_threads stays for what only it has: resourceLimits, and a
// Deno without the switch. Children run `deno run` with the permissions and
// configuration child.ts plans; development loops end them (dev_reload.ts).

import type { RuntimeAdapter, ThreadStart } from "../adapter.ts";
import { startNodeWorker } from "../node_worker.ts";
import { dataUrl } from "../source_url.ts";
import { startWebWorker, type WebWorkerKind } from "../web_worker.ts";
import { planDenoChild } from "./child.ts";
import { watchDenoReload } from "./dev_reload.ts";
import { findWorkerRef } from "./web_worker_ref.ts";

// A data: module that runs the worker code handed to the thread as its
// `workerData` as a function (see source_url.ts).
const RUN_WORKER_DATA = new URL(dataUrl(
  'import { workerData } from "node:worker_threads";\n' +
    "await (async () => {}).constructor(workerData)();\n",
));

const setRef = findWorkerRef();
const DENO_WORKER: WebWorkerKind | undefined = setRef && { setRef, closeEvent: false };

function startDenoThread(start: ThreadStart) {
  if (DENO_WORKER && !start.limits) return startWebWorker(start, DENO_WORKER);
  return startNodeWorker(RUN_WORKER_DATA, start);
}

/** Deno's adapter. */
export const denoAdapter: RuntimeAdapter = {
  runtime: "deno",
  startThread: startDenoThread,
  // Deno's receiveMessageOnPort walks a message for ports, but skips a Map's
  // entries (thread_results.ts).
  resultsMapped: true,
  planChild: planDenoChild,
  watchReload: watchDenoReload,
};
