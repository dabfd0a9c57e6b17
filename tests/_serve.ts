// A real HTTP server on the runtime's own API (Deno.serve, Bun.serve), for
// the tests of the README's Servers section: what matters is that
// `request.signal` aborts when the client goes away, as each runtime does it.
// Node: add a case that serves node:http and aborts the Request's signal on
// the response's "close" before it finished.

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

/** Serves `handler` on a free port of 127.0.0.1. */
export function serve(handler: Handler): Served {
  const globals = globalThis as { Deno?: DenoServe; Bun?: BunServe };
  if (runtime === "bun") {
    const server = globals.Bun!.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    return {
      url: `http://127.0.0.1:${server.port}`,
      [Symbol.asyncDispose]: () => server.stop(true),
    };
  }
  if (runtime === "deno") {
    const server = globals.Deno!.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      handler,
    );
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      [Symbol.asyncDispose]: () => server.shutdown(),
    };
  }
  throw new Error(`Cannot serve: no server for this runtime yet (see tests/_serve.ts)`);
}
