// A Bun HTTP server that keeps answering while it counts primes: the CPU
// work runs on a ThreadPoolExecutor, so the event loop stays free. As the
// README's Servers section shows: a request's task is cancelled (or stopped)
// when its client goes away, and a full queue answers 503 at once.
//
//   bun examples/bun_http_server.ts
//   curl 'localhost:8000/primes?below=5000000'   # heavy, on a worker thread
//   curl localhost:8000/health                   # answers at once meanwhile

import { fromModule, QueueFullError } from "../future.ts";
import { ThreadPoolExecutor } from "../thread.ts";

const tasks = fromModule<typeof import("./prime_tasks.ts")>(
  new URL("./prime_tasks.ts", import.meta.url),
);

// The little of Bun's API used here, declared so `deno check` needs no types.
declare const Bun: {
  serve(options: { port: number; fetch(request: Request): Response | Promise<Response> }): {
    url: URL;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

/** Starts the server; `stop()` closes it and shuts the pool down. */
export function start(port = 0): { url: URL; stop(): Promise<void> } {
  const executor = new ThreadPoolExecutor({ maxQueue: 64 });
  const server = Bun.serve({
    port,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/health") return new Response("ok");
      if (url.pathname === "/primes") {
        const below = Number(url.searchParams.get("below") ?? 1_000_000);
        if (!Number.isSafeInteger(below) || below < 0) {
          return new Response("below must be a non-negative integer", { status: 400 });
        }
        try {
          const task = executor.with({ signal: request.signal })
            .submit(tasks.countPrimes, 0, below);
          return Response.json({ below, count: await task.result() });
        } catch (error) {
          if (error instanceof QueueFullError) {
            return new Response("busy", { status: 503, headers: { "retry-after": "1" } });
          }
          if (request.signal.aborted) return new Response(null, { status: 499 }); // nobody reads it
          throw error;
        }
      }
      return new Response("not found", { status: 404 });
    },
  });
  return {
    url: server.url,
    async stop() {
      await server.stop(true);
      await executor.shutdown();
    },
  };
}

if (import.meta.main) {
  const { url } = start(8000);
  console.log(`Listening on ${url}: try /primes?below=5000000 and /health`);
}
