import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeMessage, encodeMessage, TAG_CLONE, TAG_JSON } from "../_wire/codec.ts";
import { FrameDecoder, HEADER_BYTES } from "../_wire/frames.ts";

// Encodes, checks the frame, decodes; returns the decoded message and the
// encoding used.
function roundTrip(message: unknown[]): { value: unknown[]; tag: number } {
  const frame = encodeMessage(message);
  const payloads = new FrameDecoder().push(frame);
  assert.equal(payloads.length, 1, "one whole frame");
  const payload = payloads[0]!;
  assert.equal(payload.length, frame.length - HEADER_BYTES);
  return { value: decodeMessage(payload) as unknown[], tag: payload[0]! };
}

// Sends `value` in a message as JSON when it can be, and once more with an
// `undefined` beside it, which forces the clone encoding; both must give
// what structuredClone gives.
function checkBothWays(value: unknown, jsonExpected: boolean): void {
  const expected = structuredClone(value);
  const plain = roundTrip([2, 0, value]);
  assert.equal(plain.tag, jsonExpected ? TAG_JSON : TAG_CLONE);
  assert.deepEqual(plain.value[2], expected);
  const cloned = roundTrip([2, 0, value, undefined]);
  assert.equal(cloned.tag, TAG_CLONE);
  assert.deepEqual(cloned.value[2], expected);
  assert.equal(cloned.value.length, 4);
}

test("JSON-safe values cross as JSON and as clones alike", () => {
  const values: unknown[] = [
    0,
    1.5,
    -42,
    Number.MAX_SAFE_INTEGER,
    1e300,
    5e-324,
    "",
    "héllo ✓ 😀",
    "\ud800 lone surrogate",
    'quotes " and \\ and \n',
    true,
    false,
    null,
    [],
    {},
    [1, "two", [3, [4]], { five: 5 }],
    { a: 1, b: { c: [true, null] }, 10: "ten", "key with spaces": "" },
  ];
  for (const value of values) checkBothWays(value, true);
});

test("values JSON would change cross by clone, as structuredClone gives them", () => {
  const values: unknown[] = [
    -0,
    NaN,
    Infinity,
    -Infinity,
    undefined,
    2n ** 70n,
    -1n,
    new Date(1_700_000_000_000),
    /a+b/gim,
    new Map<unknown, unknown>([[1, { a: 1 }], ["k", [2]], [{ o: 1 }, null]]),
    new Set([1, "a", { b: 2 }]),
    new ArrayBuffer(16),
    new DataView(new ArrayBuffer(8), 2, 4),
    [1, , 3], // a hole
    Object.assign([1, 2], { named: "property" }),
    { toJSON: "not a function" },
    JSON.parse('{"__proto__": 1, "a": 2}'),
    Object.assign(Object.create(null), { a: 1 }),
    new (class Point {
      x = 1;
      y = 2;
    })(),
    [new Number(3), new String("s"), new Boolean(false), Object(5n)],
    { nested: { deep: [undefined, NaN] } },
  ];
  for (const value of values) checkBothWays(value, false);
});

test("every typed array kind crosses with its type and contents", () => {
  const kinds = [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
  ];
  for (const Kind of kinds) {
    checkBothWays(new Kind([0, 1, 2, 127, 255]), false);
  }
  checkBothWays(new BigInt64Array([1n, -(2n ** 63n)]), false);
  checkBothWays(new BigUint64Array([2n ** 64n - 1n]), false);
  const Float16 = (globalThis as unknown as {
    Float16Array?: typeof Float32Array;
  }).Float16Array;
  if (Float16) checkBothWays(new Float16({ length: 3 }).fill(1.5), false);
});

test("a view keeps its whole ArrayBuffer and offset, as structuredClone does", () => {
  const buffer = new ArrayBuffer(32);
  new Uint8Array(buffer).fill(9);
  const view = new Uint16Array(buffer, 8, 4);
  const { value } = roundTrip([2, 0, view]);
  const decoded = value[2] as Uint16Array;
  assert.ok(decoded instanceof Uint16Array);
  assert.equal(decoded.byteOffset, 8);
  assert.equal(decoded.length, 4);
  assert.equal(decoded.buffer.byteLength, 32);
});

test("shared references and cycles are kept", () => {
  const shared = { n: 1 };
  const bytes = new Uint8Array(8);
  const cycle: { self?: unknown } = {};
  cycle.self = cycle;
  const { value, tag } = roundTrip([
    2,
    0,
    shared,
    shared,
    bytes,
    new Uint32Array(bytes.buffer),
    cycle,
  ]);
  assert.equal(tag, TAG_CLONE);
  assert.equal(value[2], value[3]);
  assert.equal(
    (value[4] as Uint8Array).buffer,
    (value[5] as Uint32Array).buffer,
  );
  const decoded = value[6] as { self?: unknown };
  assert.equal(decoded.self, decoded);
});

test("errors cross as structuredClone carries them", () => {
  const error = new RangeError("out", { cause: "why" });
  const { value } = roundTrip([4, error]);
  const expected = structuredClone(error);
  const decoded = value[1] as Error;
  assert.ok(decoded instanceof RangeError);
  assert.equal(decoded.message, "out");
  assert.equal(decoded.cause, expected.cause); // Bun's clone drops it
});

test("data nested deeper than the JSON walk crosses by clone", () => {
  let deep: unknown = "bottom";
  for (let i = 0; i < 500; i++) deep = { next: [deep] };
  const { value, tag } = roundTrip([2, 0, deep]);
  assert.equal(tag, TAG_CLONE);
  let level = value[2] as { next: [unknown] } | string;
  for (let i = 0; i < 500; i++) level = (level as { next: [never] }).next[0];
  assert.equal(level, "bottom");
});

test("a batch of a thousand tiny tasks crosses as JSON", () => {
  const message: unknown[] = [1, null];
  for (let i = 0; i < 1000; i++) message.push(i, 7, 0, 1, i);
  const { value, tag } = roundTrip(message);
  assert.equal(tag, TAG_JSON);
  assert.deepEqual(value, message);
});

test("a large typed array crosses intact", () => {
  const data = new Float64Array(131_072).map((_, i) => i / 3);
  const { value } = roundTrip([2, 0, 1, 0, data]);
  assert.deepEqual(value[4], data);
});

test("a value that cannot be cloned is a TypeError naming it, with the cause", () => {
  function namedTask(): void {}
  const cases: [unknown, RegExp][] = [
    [() => 1, /^Cannot serialize a function: /],
    [namedTask, /^Cannot serialize function namedTask: /],
    [Symbol("s"), /^Cannot serialize symbol Symbol\(s\): /],
    [new WeakMap(), /^Cannot serialize a WeakMap: /],
    [Promise.resolve(1), /^Cannot serialize a Promise: /],
    [{ deep: [new Map([[1, { f() {} }]])] }, /^Cannot serialize function f: /],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => encodeMessage([2, 0, value]),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, message);
        assert.ok(error.cause !== undefined, "the runtime's error as cause");
        return true;
      },
    );
  }
});

test("decodeMessage() refuses an unknown encoding tag", () => {
  assert.throws(
    () => decodeMessage(new Uint8Array([9, 1, 2])),
    /^TypeError: Cannot decode message: unknown encoding tag 9/,
  );
});

test("a SharedArrayBuffer, or a view of one, is refused: shared memory cannot cross", () => {
  const shared = new SharedArrayBuffer(8);
  for (const value of [shared, new Int32Array(shared), { deep: [new Map([[1, shared]])] }]) {
    assert.throws(() => encodeMessage([1, value]), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^Cannot serialize a SharedArrayBuffer \(shared memory/);
      return true;
    });
  }
});
