// The pool's side of a child's bursts (_runtime/burst_order.ts): results
// from fd 4 and fd 5, read in any order and possibly twice, come out in the
// child's order, each once, and after the messages they followed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BurstOrder } from "../_runtime/burst_order.ts";
import { Msg } from "../_wire/protocol.ts";

const TOKEN = 7;

/** A burst of results for task ids `ids` (value = id * 10), from `first`. */
function burst(first: number, ids: number[], after = 0, busy = 0): unknown[] {
  return [TOKEN, Msg.Burst, busy, first, after, ...ids.flatMap((id) => [id, 0, id * 10])];
}

function make(start = 0): { order: BurstOrder; out: unknown[][]; ids: () => number[] } {
  const out: unknown[][] = [];
  const order = new BurstOrder((message) => out.push(message), start);
  order.token = TOKEN;
  const ids = () =>
    out.filter((m) => m[1] === Msg.Done).flatMap((m) => m.slice(3).filter((_, i) => i % 3 === 0))
      .map(Number);
  return { order, out, ids };
}

test("bursts from the main thread pass on in order, as Done messages", () => {
  const { order, out } = make();
  order.fromMain([TOKEN, Msg.Ready]);
  order.fromMain(burst(0, [1, 2], 1, 0.5));
  assert.deepEqual(out, [[TOKEN, Msg.Ready], [TOKEN, Msg.Done, 0.5, 1, 0, 10, 2, 0, 20]]);
});

test("a burst from the protocol thread waits for the results before it", () => {
  const { order, ids } = make();
  order.fromMain([TOKEN, Msg.Ready]);
  order.fromThread(burst(2, [3, 4], 1));
  assert.deepEqual(ids(), []);
  order.fromMain(burst(0, [1, 2], 1));
  assert.deepEqual(ids(), [1, 2, 3, 4]);
});

test("a burst from the protocol thread waits for the messages it followed", () => {
  const { order, out } = make();
  order.fromThread(burst(0, [1], 1));
  assert.deepEqual(out, []);
  order.fromMain([TOKEN, Msg.Ready]);
  assert.deepEqual(out.map((m) => m[1]), [Msg.Ready, Msg.Done]);
});

test("results sent by both threads pass on once, overlaps trimmed", () => {
  const { order, ids } = make();
  order.fromThread(burst(0, [1, 2, 3]));
  order.fromMain(burst(0, [1, 2, 3, 4, 5]));
  order.fromThread(burst(3, [4, 5]));
  order.fromMain(burst(5, [6]));
  order.fromThread(burst(4, [5, 6, 7]));
  assert.deepEqual(ids(), [1, 2, 3, 4, 5, 6, 7]);
});

test("a burst that arrived early is dropped once the main thread brought all of it", () => {
  const { order, ids } = make();
  order.fromMain([TOKEN, Msg.Ready]);
  order.fromThread(burst(2, [3], 5)); // waits: it follows messages not seen yet
  order.fromMain(burst(0, [1, 2, 3]));
  order.fromMain(burst(3, [4]));
  for (let i = 0; i < 5; i++) order.fromMain([TOKEN, Msg.Fatal, { value: i }]);
  assert.deepEqual(ids(), [1, 2, 3, 4]);
});

test("busy time of a burst with nothing new is carried to the next", () => {
  const { order, out } = make();
  order.fromThread(burst(0, [1, 2]));
  order.fromMain(burst(0, [1, 2], 0, 3));
  order.fromMain(burst(2, [3], 0, 1));
  assert.deepEqual(out.map((m) => m[2]), [0, 4]);
});

test("sequence numbers wrap at 2^32, as the child counts", () => {
  // The child's count is a wrapping 32-bit integer, sent unsigned.
  const { order, ids } = make(2 ** 32 - 2 | 0);
  order.fromThread(burst(0, [3, 4], 0));
  assert.deepEqual(ids(), []);
  order.fromMain(burst(2 ** 32 - 2, [1, 2, 3]));
  assert.deepEqual(ids(), [1, 2, 3, 4]);
});

test("a burst from the main thread that skips results breaks the channel", () => {
  const { order } = make();
  assert.throws(() => order.fromMain(burst(2, [3])), TypeError);
});

test("a message without the child's token passes on untouched", () => {
  const { order, out } = make();
  const foreign = [99, Msg.Burst, 0, 5, 0, 1, 0, 1];
  order.fromMain(foreign);
  assert.deepEqual(out, [foreign]);
  assert.throws(() => order.fromThread(foreign), TypeError);
});
