// A real HTTP server on the runtime's own API (Deno.serve, Bun.serve,
// node:http), for the tests of the README's Servers section: what matters is
// that `request.signal` aborts when the client goes away, as each runtime
// does it. node:http has no Request: the handler gets one whose signal aborts
// on the response's "close" before the response finished, as a Node
// framework adapting node:http to fetch's Request does.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Buffer } from "node:buffer";
import type { AddressInfo } from "node:net";
import { runtime } from "../_runtime/runtime.ts";

/** A listening server; disposing it stops it and drops its connections. */
export interface Served extends AsyncDisposable {
  /** The server's origin, as `http://127.0.0.1:<port>`. */
  readonly url: string;
}

type Handler = (request: Request) => Promise<Response>;

// The few runtime APIs used, declared here rather than ignored.
interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen(): void },
    handler: Handler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
interface BunServe {
  serve(options: { port: number; hostname: string; fetch: Handler }): {
    port: number;
    stop(closeActiveConnections: boolean): Promise<void>;
  };
}

/** Serves `handler` on a free port of 127.0.0.1, once it listens. */
export function serve(handler: Handler): Promise<Served> {
  const globals = globalThis as { Deno?: DenoServe; Bun?: BunServe };
  if (runtime === "bun") {
    const server = globals.Bun!.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    return Promise.resolve({
      url: `http://127.0.0.1:${server.port}`,
      [Symbol.asyncDispose]: () => server.stop(true),
    });
  }
  if (runtime === "deno") {
    const server = globals.Deno!.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      handler,
    );
    return Promise.resolve({
      url: `http://127.0.0.1:${server.addr.port}`,
      [Symbol.asyncDispose]: () => server.shutdown(),
    });
  }
  if (runtime === "node") return serveNode(handler);
  throw new Error(`Cannot serve: no server for this runtime (see tests/_serve.ts)`);
}

async function serveNode(handler: Handler): Promise<Served> {
  const server = createServer((incoming, outgoing) => void answer(handler, incoming, outgoing));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// One node:http exchange through a fetch-style handler (requests here have
// no body).
async function answer(
  handler: Handler,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const left = new AbortController();
  outgoing.on("close", () => {
    if (!outgoing.writableFinished) left.abort(new Error("The client went away"));
  });
  const request = new Request(`http://127.0.0.1${incoming.url ?? "/"}`, {
    method: incoming.method ?? "GET",
    signal: left.signal,
  });
  const response = await handler(request);
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(Buffer.from(await response.arrayBuffer()));
}
