// How values and outcomes cross between machines (_redis/values.ts): the
// process pool's codec, as text, with the clone format named so the other
// runtime refuses it instead of misreading it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Buffer } from "node:buffer";
import { runtime } from "../_runtime/runtime.ts";
import {
  decodeOutcome,
  decodeValue,
  encodeChunkError,
  encodeError,
  encodeResult,
  encodeTimedOut,
  encodeValue,
} from "../_redis/values.ts";

const asText = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
const roundTrip = (value: unknown) => decodeValue(asText(encodeValue(value)));

test("JSON values travel as JSON text; the rest as the runtime's clone format in base64", () => {
  const json = asText(encodeValue([1, "é", { a: [true, null] }]));
  assert.equal(json, '\x01[1,"é",{"a":[true,null]}]');
  const values = [12n, new Map([[1, new Set([2])]]), new Date(5), new Uint8Array([0, 255]), -0];
  const clone = asText(encodeValue(values));
  assert.match(clone.slice(1), /^[A-Za-z0-9+/]+=*$/, "base64 after the tag");
  assert.deepEqual(decodeValue(clone), values);
  assert.ok(Object.is((roundTrip([-0]) as number[])[0], -0));
});

test("a value cloned by the other runtime is refused with a TypeError naming both", () => {
  const otherTag = runtime === "bun" ? 2 : 3;
  const payload = String.fromCharCode(otherTag) + Buffer.from([1, 2, 3]).toString("base64");
  assert.throws(
    () => decodeValue(payload),
    (error) =>
      error instanceof TypeError &&
      /serialized with (Deno's \(V8\)|Bun's \(JavaScriptCore\)) format/.test(error.message) &&
      /same runtime, or send only JSON values/.test(error.message),
  );
  assert.throws(() => decodeValue("\x07whatever"), /unknown format tag 7/);
  assert.throws(() => decodeValue("\x01{not json"), TypeError);
});

test("outcomes: a value, undefined, an error with its own properties, a chunk cut short, a time limit", () => {
  const text = (bytes: Uint8Array | string) => typeof bytes === "string" ? bytes : asText(bytes);
  assert.deepEqual(decodeOutcome(text(encodeResult(new Map([[1, 2]])))), {
    ok: true,
    value: new Map([[1, 2]]),
  });
  assert.deepEqual(decodeOutcome(text(encodeResult(undefined))), { ok: true, value: undefined });
  const failed = decodeOutcome(
    text(encodeError(Object.assign(new RangeError("too far"), { code: "E_FAR" }))),
  );
  assert.ok(!failed.ok && "error" in failed);
  const error = (failed as { error: RangeError & { code: string } }).error;
  assert.ok(error instanceof RangeError);
  assert.equal(error.code, "E_FAR");
  const chunk = decodeOutcome(text(encodeChunkError([1, 2], "thrown as is")));
  assert.deepEqual(chunk, { ok: false, chunkValues: [1, 2], error: "thrown as is" });
  assert.deepEqual(decodeOutcome(text(encodeTimedOut(250))), { ok: false, timeLimit: 250 });
});

test("a result that cannot cross becomes a TypeError outcome, not a thrown error", () => {
  const outcome = decodeOutcome(asText(encodeResult({ fn() {} })));
  assert.ok(!outcome.ok && "error" in outcome);
  assert.ok((outcome as { error: unknown }).error instanceof TypeError);
  assert.match(String((outcome as { error: unknown }).error), /Cannot send the task's result back/);
});
