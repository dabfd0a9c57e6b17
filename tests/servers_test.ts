// The README's Servers section, on a real server of each runtime
// (tests/_serve.ts): a request's task is submitted through
// executor.with({ signal: request.signal }), so a client that goes away
// leaves no task queued, and a full queue answers 503 at once.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type Future, QueueFullError } from "../future.ts";
import { type PoolExecutor, ThreadPoolExecutor } from "../thread.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { gated, openGate } from "./_gate.ts";
import { serve } from "./_serve.ts";

function whenSettled(future: Future<unknown>): Promise<void> {
  return new Promise((resolve) => future.addDoneCallback(() => resolve()));
}

for (
  const [name, make] of [
    ["thread", () => new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: 2 })],
    ["process", () => new ProcessPoolExecutor({ maxWorkers: 1, maxQueue: 2 })],
  ] as const
) {
  test(`a ${name} pool behind a server: a client that leaves takes its queued task with it; a full queue answers 503`, async () => {
    await using gate = await openGate();
    await using executor: PoolExecutor = make();
    const submitted: Future<unknown>[] = [];
    let onSubmit = () => {};
    // The README's handler, with the futures kept for the test to watch.
    await using server = await serve(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/health") return Response.json(executor.stats().tasks);
      try {
        const future = executor.with({ signal: request.signal }).submit(gated, gate.url, path);
        submitted.push(future);
        onSubmit();
        return new Response(String(await future.result()));
      } catch (error) {
        if (error instanceof QueueFullError) {
          return new Response("busy", { status: 503, headers: { "retry-after": "1" } });
        }
        if (request.signal.aborted) return new Response(null, { status: 499 }); // nobody reads it
        throw error;
      }
    });
    const submittedCount = (n: number) =>
      new Promise<void>((resolve) => {
        onSubmit = () => submitted.length >= n && resolve();
        onSubmit();
      });
    const clients = ["/a", "/b", "/c"].map((path) => {
      const controller = new AbortController();
      const response = fetch(server.url + path, { signal: controller.signal })
        .then((r) => r.text(), (error: Error) => error.name);
      return { controller, response };
    });
    await gate.arrived(1); // /a runs
    await submittedCount(3); // /b and /c wait in the queue
    assert.equal(executor.stats().tasks.queued, 2);
    const refused = await fetch(server.url + "/d");
    assert.equal(refused.status, 503);
    assert.equal(await refused.text(), "busy");

    // /b's and /c's clients go away: their tasks leave the queue.
    clients[1]!.controller.abort();
    clients[2]!.controller.abort();
    await Promise.all(submitted.slice(1).map(whenSettled));
    assert.ok(submitted[1]!.cancelled() && submitted[2]!.cancelled());
    const health = await (await fetch(server.url + "/health")).json();
    assert.deepEqual(
      { queued: health.queued, running: health.running, cancelled: health.cancelled },
      { queued: 0, running: 1, cancelled: 2 },
    );
    assert.equal(gate.count, 1); // neither ever started

    gate.open();
    assert.equal(await clients[0]!.response, "/a");
    assert.deepEqual(
      await Promise.all(clients.slice(1).map((c) => c.response)),
      ["AbortError", "AbortError"],
    );
    assert.equal(executor.stats().tasks.completed, 1);
  });
}
