// A gate that blocks tasks until the test opens it, across threads and
// processes alike: a gated task fetches the gate's URL, and the local server
// holds every request until `open()`. The requests that arrive tell the test
// which tasks are running, so no test guesses with a delay.

import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A gate: see the module comment. */
export interface Gate extends AsyncDisposable {
  /** What a gated task fetches. */
  readonly url: string;
  /** How many requests have arrived in all. */
  readonly count: number;
  /** Resolves once `n` requests have arrived in all. */
  arrived(n: number): Promise<void>;
  /** Answers every held request, and every later one at once. */
  open(): void;
}

/** Starts a gate on 127.0.0.1. */
export async function openGate(): Promise<Gate> {
  const held: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let count = 0;
  let opened = false;
  const server = createServer((_request, response) => {
    response.setHeader("connection", "close");
    count++;
    if (opened) response.end("open");
    else held.push(response);
    for (const waiter of waiters.filter((w) => count >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const open = () => {
    opened = true;
    for (const response of held.splice(0)) response.end("open");
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    get count() {
      return count;
    },
    arrived: (n) =>
      count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    open,
    async [Symbol.asyncDispose]() {
      open();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A task that blocks until the gate at `url` opens, then returns `value`.
 * Self-contained: submitted inline, it runs in any worker.
 */
export const gated = async (url: string, value: unknown): Promise<unknown> => {
  await (await fetch(url)).text();
  return value;
};
