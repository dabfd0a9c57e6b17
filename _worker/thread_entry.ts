// Copyright 2026 the @concurrent/futures authors. MIT license.
// The module a ThreadPoolExecutor worker runs. It hears from the pool through
// `self` in a web Worker (Bun, Deno) or `parentPort` in a node:worker_threads
// worker (Node, and Deno with resourceLimits; see the runtime adapters for why
// each runtime uses which),
// and answers through the result ring and port (_wire/result_ring.ts).

import type { FromWorker, ToWorker } from "../_wire/protocol.ts";
import type { ResultsSetup } from "../_wire/result_ring.ts";
import { EXITING, type ExitingMessage } from "../_wire/thread_exit.ts";
import { threadOutbox } from "./thread_outbox.ts";
import { TaskRunner } from "./runner.ts";

interface WebScope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

// `process` is a global in the workers of every runtime; importing
// node:process or node:worker_threads where it is not needed costs about
// 1 MiB per Bun worker. In a Deno web Worker even the global costs: its
// first use boots Deno's Node layer in the worker (3.3 MiB), so there the
// worker code uses only web APIs and `Deno`.
interface NodeProcess {
  exit(code: number): never;
  on(event: string, listener: (error: unknown) => void): void;
}
interface DenoExit {
  exit(code?: number): never;
  exitCode: number;
}
const scope = globalThis as unknown as {
  self?: WebScope;
  process: NodeProcess;
  Deno?: DenoExit;
  close?: () => void;
};
// The worker's own channel: the pool's first message on it (`ResultsSetup`),
// then what the runner receives. Back on it go only doorbells (and, from a
// Deno web Worker, the notice that it ends itself).
let postOwn: (message: unknown) => void;
let listen: (receive: (message: ToWorker | ResultsSetup) => void) => void;
const web = scope.self !== undefined;
if (!web) {
  const port = (await import("node:worker_threads")).parentPort!;
  postOwn = (message) => port.postMessage(message);
  // Deno: `onmessage`, not `on("message")`: Deno's emitter path takes about
  // a second to deliver a 64 MiB typed array, transferred or not;
  // `onmessage` takes milliseconds, and small messages cost the same either
  // way. Node: `on("message")`, which hands over the data alone; `onmessage`
  // builds a web MessageEvent (undici's, loaded for it) per message: 0.3–2.7
  // µs more of the worker's CPU per message (more on a loaded machine), and
  // a transferred 64 MiB typed array took 12–17 ms instead of 4–7 ms.
  listen = "Deno" in globalThis
    ? (receive) => {
      (port as unknown as { onmessage: (event: { data: ToWorker }) => void }).onmessage = (
        event,
      ) => receive(event.data);
    }
    : (receive) => void port.on("message", receive);
  // Tasks written for web workers expect `self` (e.g. `self.name`).
  (globalThis as { self?: unknown }).self = globalThis;
} else {
  const self = scope.self!;
  postOwn = (message) => self.postMessage(message);
  listen = (receive) => (self.onmessage = (event) => receive(event.data));
}

// Messages to the pool go by the result ring and port (thread_outbox.ts);
// until the setup arrives (only an error that early), by the own channel.
let post: (message: FromWorker, transfer?: unknown[]) => void = postOwn;

const runner = new TaskRunner({ post: (message, transfer) => post(message, transfer) });
if (web && scope.Deno !== undefined) watchDenoWeb(scope as Required<typeof scope>);
else watchNode(scope.process);

// Node's and Bun's workers lack the standard self.close(); give tasks the
// same meaning as in Deno: the worker ends (and the pool breaks). An error
// outside any task would kill the worker (and in Deno, unless the main
// thread handles it, the whole process): report it so the pool breaks
// cleanly instead. These listeners work in Deno's node:worker_threads,
// Bun's web Worker and Node.
function watchNode(process: NodeProcess): void {
  scope.close ??= () => process.exit(0);
  process.on("uncaughtException", (error) => runner.fatal(error));
  process.on("unhandledRejection", (error) => runner.fatal(error));
  // Under `bun test` the process listeners above are not called in workers and
  // the worker dies regardless; its own error event still sees the error first.
  if (typeof addEventListener === "function") {
    addEventListener(
      "error",
      (event) => runner.fatal((event as ErrorEvent).error ?? event),
    );
  }
}

// A Deno web Worker: the same, by the global's events (handled, the error
// leaves the worker alive), and with the notice of its own end that Deno
// does not send (_wire/thread_exit.ts): `process.exit()` calls `Deno.exit()`.
function watchDenoWeb(deno: { Deno: DenoExit; close: () => void }): void {
  addEventListener("error", (event) => {
    event.preventDefault();
    runner.fatal((event as ErrorEvent).error ?? event);
  });
  addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    runner.fatal((event as PromiseRejectionEvent).reason);
  });
  const { close } = deno;
  const { exit } = deno.Deno;
  deno.close = () => {
    postOwn([EXITING, 0] satisfies ExitingMessage);
    close();
  };
  deno.Deno.exit = (code?: number) => {
    // Without a code, Deno exits with Deno.exitCode.
    postOwn([EXITING, code ?? deno.Deno.exitCode] satisfies ExitingMessage);
    return exit(code);
  };
}
let setUp = false;
listen((message) => {
  if (setUp) return runner.receive(message as ToWorker);
  setUp = true;
  post = threadOutbox(message as ResultsSetup, postOwn);
});
