// Round trips of the error encoding (_wire/thrown.ts) through a real clone,
// as errors travel to the caller: classes, names, own properties, causes,
// cycles, and errors whose properties cannot be read.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bareThrown, fromThrown, toThrown } from "../_wire/thrown.ts";

const roundTrip = (value: unknown) => fromThrown(structuredClone(toThrown(value)));

class ApiError extends Error {
  response: { data?: { message: string } } = {};
  override get message(): string {
    return this.response.data!.message; // throws: no data
  }
}

test("an error keeps its class, name, message, stack, cause and own properties", () => {
  const cause = new RangeError("inner");
  const error = Object.assign(new TypeError("outer", { cause }), { code: "E_X", detail: [1, 2] });
  error.name = "CustomTypeError";
  const back = roundTrip(error) as TypeError & { code: string; detail: number[] };
  assert.ok(back instanceof TypeError);
  assert.equal(back.name, "CustomTypeError");
  assert.equal(back.message, "outer");
  assert.equal(back.stack, error.stack);
  assert.equal(back.code, "E_X");
  assert.deepEqual(back.detail, [1, 2]);
  assert.ok(back.cause instanceof RangeError);
  assert.equal((back.cause as Error).message, "inner");
  assert.equal(Object.getOwnPropertyDescriptor(back, "cause")?.enumerable, false);
});

test("AggregateError keeps its errors, DOMException its name, and non-errors pass as they are", () => {
  const aggregate = roundTrip(new AggregateError([new Error("a"), 5], "both")) as AggregateError;
  assert.ok(aggregate instanceof AggregateError);
  assert.equal(aggregate.errors.length, 2);
  assert.equal((aggregate.errors[0] as Error).message, "a");
  assert.equal(aggregate.errors[1], 5);
  const dom = roundTrip(new DOMException("stop", "AbortError")) as DOMException;
  assert.ok(dom instanceof DOMException);
  assert.equal(dom.name, "AbortError");
  for (const value of [0, "", null, { message: "plain" }, [1]]) {
    assert.deepEqual(roundTrip(value), value);
  }
});

test("cyclic causes cross as cycles", () => {
  const self = new Error("self");
  self.cause = self;
  const back = roundTrip(self) as Error;
  assert.equal(back.cause, back);

  const a = new Error("a");
  const b = new TypeError("b", { cause: a });
  a.cause = b;
  const backA = roundTrip(a) as Error;
  assert.ok(backA.cause instanceof TypeError);
  assert.equal((backA.cause as Error).cause, backA);

  const aggregate = new AggregateError([], "holds itself");
  (aggregate.errors as unknown[]).push(aggregate);
  const backAggregate = roundTrip(aggregate) as AggregateError;
  assert.equal(backAggregate.errors[0], backAggregate);
});

test("an error whose getters throw is encoded with what can be read and a note of what cannot", () => {
  const api = roundTrip(new ApiError()) as Error & { response: unknown };
  assert.equal(api.name, "Error"); // the class sets no name: Error's own
  assert.match(api.message, /^\[could not read: message \(TypeError: .+\)\]$/);
  assert.deepEqual(api.response, {});
  assert.match(api.stack!, /ApiError|Error/);

  const ownGetter = Object.defineProperty(new Error("kept"), "status", {
    enumerable: true,
    get() {
      throw new Error("no status");
    },
  });
  const back = roundTrip(ownGetter) as Error;
  assert.match(back.message, /^kept \[could not read: status \(Error: no status\)\]$/);

  const causeGetter = Object.defineProperty(new Error("c"), "cause", {
    get() {
      throw new RangeError("no cause");
    },
  });
  assert.match((roundTrip(causeGetter) as Error).message, /could not read: cause \(RangeError/);
});

test("an error-like object that is not an Error crosses as an error", () => {
  class ResolveMessage {
    name = "ResolveMessage";
    message = 'Cannot find module "./missing.ts"';
    method() {}
  }
  const back = roundTrip(new ResolveMessage()) as Error;
  assert.ok(back instanceof Error);
  assert.equal(back.name, "ResolveMessage");
  assert.equal(back.message, 'Cannot find module "./missing.ts"');
});

test("a proxy that throws on every read encodes without throwing, and its bare form crosses", () => {
  const hostile = new Proxy(new Error("hidden"), {
    get() {
      throw new Error("no");
    },
    getPrototypeOf() {
      throw new Error("no prototype");
    },
    ownKeys() {
      throw new Error("no keys");
    },
  });
  const thrown = toThrown(hostile);
  const back = fromThrown(structuredClone(bareThrown(thrown))) as Error;
  assert.ok(back instanceof Error);
});

test("bareThrown() keeps what surely crosses and notes what it dropped", () => {
  const error = Object.assign(new TypeError("bad"), { socket: { write() {} } });
  const bare = bareThrown(toThrown(error));
  const back = fromThrown(structuredClone(bare)) as TypeError;
  assert.ok(back instanceof TypeError);
  assert.equal(back.message, "bad [could not send its properties: socket]");
  assert.equal(back.stack, error.stack);
  const fn = fromThrown(structuredClone(bareThrown(toThrown(function secret() {})))) as Error;
  assert.ok(fn instanceof TypeError);
  assert.match(fn.message, /function secret cannot be cloned/);
});

test("a forged record cannot change a rebuilt error's prototype, nor make it huge (issue 23)", () => {
  const record = {
    error: {
      name: "E".repeat(10_000),
      base: "TypeError",
      message: "m".repeat(1_000_000),
      stack: "s".repeat(5_000_000),
      props: [
        ["__proto__", { value: { polluted: true } }],
        ["constructor", { value: "not a function" }],
        ["stack", { value: "x".repeat(1_000_000) }],
        ["code", { value: "E_FORGED" }],
      ],
    },
  };
  const error = fromThrown(JSON.parse(JSON.stringify(record))) as
    & TypeError
    & Record<string, unknown>;
  assert.ok(error instanceof TypeError);
  assert.ok(error instanceof Error);
  assert.equal(Object.getPrototypeOf(error), TypeError.prototype);
  assert.equal(error.polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(error, "__proto__")?.value, { polluted: true });
  assert.equal(error.code, "E_FORGED");
  assert.ok(error.message.length < 70_000, `message of ${error.message.length}`);
  assert.match(error.message, /… \[934464 more characters\]$/);
  assert.ok(error.stack!.length < 70_000, `stack of ${error.stack!.length}`);
  assert.ok(error.stack!.startsWith("sss"));
  assert.ok(error.name.length < 300);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
