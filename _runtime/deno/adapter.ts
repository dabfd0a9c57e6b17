// Copyright 2026 the @concurrent/futures authors. MIT license.
// Deno. Threads run on node:worker_threads: Deno's web Worker has no
// unref(), so an idle pool would keep every script alive forever, and it
// reports nothing when a worker ends by itself (self.close(), Deno.exit()),
// so a dead worker would leave futures pending. node:worker_threads has
// unref() and an `exit` event, at the cost of a slower start (about 20 ms
// instead of 7.5 ms). Children run `deno run` with the permissions and
// configuration child.ts plans; development loops end them (dev_reload.ts).

import type { RuntimeAdapter } from "../adapter.ts";
import { startNodeWorker } from "../node_worker.ts";
import { dataUrl } from "../source_url.ts";
import { planDenoChild } from "./child.ts";
import { watchDenoReload } from "./dev_reload.ts";

// A data: module that runs the worker code handed to the thread as its
// `workerData` as a function (see source_url.ts).
const RUN_WORKER_DATA = new URL(dataUrl(
  'import { workerData } from "node:worker_threads";\n' +
    "await (async () => {}).constructor(workerData)();\n",
));

/** Deno's adapter. */
export const denoAdapter: RuntimeAdapter = {
  runtime: "deno",
  startThread: (start) => startNodeWorker(RUN_WORKER_DATA, start),
  // Deno's receiveMessageOnPort walks a message for ports, but skips a Map's
  // entries (thread_results.ts).
  resultsMapped: true,
  planChild: planDenoChild,
  watchReload: watchDenoReload,
};
