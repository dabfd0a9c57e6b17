import assert from "node:assert/strict";
import { test } from "node:test";
import { packChunkNumbers } from "../_runtime/chunk_numbers.ts";
import { decodeMessage, encodeMessage, TAG_CLONE } from "../_wire/codec.ts";
import { FrameDecoder } from "../_wire/frames.ts";
import { poolArray } from "../_wire/pool_arrays.ts";
import { appendTask, Msg, type RunMessage, TASK_ARGS, TaskKind } from "../_wire/protocol.ts";

const ODD = [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 53 + 2, -(2 ** 31), 5e-324];

// A run message of map chunks (one argument per call), as dispatch builds it.
function run(...chunks: unknown[][]): RunMessage {
  const message: RunMessage = [Msg.Run, null];
  chunks.forEach((flat, id) => appendTask(message, id, 0, TaskKind.Chunk, [1, flat]));
  return message;
}

// Where the flat arguments of the n-th chunk of `run` lie.
const argsOf = (n: number) => 2 + n * (TASK_ARGS + 2) + TASK_ARGS + 1;

const numbers = (n: number, from = 0) =>
  poolArray(Array.from({ length: n }, (_, i) => ODD[(from + i) % ODD.length]!));

test("packChunkNumbers() packs each chunk of numbers into views of one buffer, exactly", () => {
  const first = numbers(20), second = numbers(30, 3);
  const message = run(first, second);
  const packed = packChunkNumbers(message, true);
  assert.ok(packed instanceof Float64Array);
  assert.equal(packed.length, 50);
  const [a, b] = [message[argsOf(0)], message[argsOf(1)]] as Float64Array[];
  assert.ok(a instanceof Float64Array && b instanceof Float64Array);
  assert.equal(a.buffer, packed.buffer);
  assert.equal(b.buffer, packed.buffer);
  assert.deepEqual([...a], first);
  assert.deepEqual([...b], second);
  assert.ok(Object.is(a[0], -0), "-0 stays -0");
  // The job's own arrays are not touched: a task handed back is sent again
  // from them.
  assert.deepEqual(first, numbers(20));
});

test("a packed run message crosses to a child in the clone format, every number intact", () => {
  const flat = numbers(40);
  const message = run(flat);
  packChunkNumbers(message, true);
  const payload = new FrameDecoder().push(encodeMessage(message))[0]!;
  assert.equal(payload[0], TAG_CLONE);
  const decoded = decodeMessage(payload) as unknown[];
  const args = decoded[argsOf(0)] as Float64Array;
  assert.ok(args instanceof Float64Array);
  assert.deepEqual([...args].map(String), flat.map(String));
  assert.ok(Object.is(args[0], -0));
});

test("packChunkNumbers(message, true) leaves a message that is not all chunks of numbers", () => {
  const short = poolArray([1, 2, 3]); // too short to be worth packing
  const words = poolArray(Array.from({ length: 20 }, (_, i) => `w${i}`));
  const withCall = run(numbers(20));
  appendTask(withCall, 9, 0, TaskKind.Call, [1]);
  const late = poolArray([...numbers(20), "not a number"]); // found while packing
  for (
    const message of [
      run(numbers(20), short),
      run(numbers(20), words),
      withCall,
      run(numbers(20), late),
    ]
  ) {
    const before = [...message];
    assert.equal(packChunkNumbers(message, true), undefined);
    assert.deepEqual(message, before);
  }
  assert.equal(packChunkNumbers([Msg.Init, "w", null, [], null, 1], true), undefined);
});

test("packChunkNumbers(message, false) packs the chunks of numbers among other tasks", () => {
  const words = poolArray(Array.from({ length: 20 }, (_, i) => `w${i}`));
  const message = run(numbers(20), words);
  const packed = packChunkNumbers(message, false);
  const view = message[argsOf(0)] as Float64Array;
  assert.ok(view instanceof Float64Array);
  assert.equal(view.buffer, packed?.buffer);
  assert.deepEqual([...view], numbers(20));
  assert.equal(message[argsOf(1)], words);
});
