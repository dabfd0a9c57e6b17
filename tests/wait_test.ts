// wait() and asCompleted() over bare futures (test_wait.py and
// test_as_completed.py). A cancelled future counts as done at once here,
// unlike CPython (gh-92001).

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  TimeoutError,
  wait,
} from "../future.ts";

const ok = <T>(value: T) => {
  const future = new Future<T>();
  future.setResult(value);
  return future;
};
const bad = (error: unknown = new Error("bad")) => {
  const future = new Future<never>();
  future.setException(error);
  return future;
};
const gone = () => {
  const future = new Future<never>();
  future.cancel();
  return future;
};

test("wait() with ALL_COMPLETED returns when every future is done", async () => {
  const [a, b, c] = [new Future<number>(), new Future<number>(), ok(3)];
  const waiting = wait([a, b, c]);
  queueMicrotask(() => a.setResult(1));
  queueMicrotask(() => b.setException(new Error("b")));
  const { done, notDone } = await waiting;
  assert.deepEqual(done, new Set([a, b, c]));
  assert.equal(notDone.size, 0);
});

test("wait() with FIRST_COMPLETED returns everything already done without waiting", async () => {
  const pending = new Future<number>();
  const { done, notDone } = await wait([ok(1), gone(), pending], {
    returnWhen: FIRST_COMPLETED,
  });
  assert.equal(done.size, 2);
  assert.deepEqual(notDone, new Set([pending]));
});

test("wait() with FIRST_COMPLETED returns at the first completion", async () => {
  const [a, b] = [new Future<number>(), new Future<number>()];
  const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED });
  queueMicrotask(() => b.setResult(2));
  const { done, notDone } = await waiting;
  assert.deepEqual([...done], [b]);
  assert.deepEqual([...notDone], [a]);
});

test("wait() with FIRST_EXCEPTION returns at the first failure", async () => {
  const [a, b, c] = [ok(1), new Future<number>(), new Future<number>()];
  const waiting = wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
  queueMicrotask(() => b.setException(new Error("b")));
  const { done, notDone } = await waiting;
  assert.deepEqual(done, new Set([a, b]));
  assert.deepEqual(notDone, new Set([c]));
});

test("wait() with FIRST_EXCEPTION returns at once when a future has already failed", async () => {
  const pending = new Future<number>();
  const failure = bad();
  const { done, notDone } = await wait([failure, pending], {
    returnWhen: FIRST_EXCEPTION,
  });
  assert.deepEqual([...done], [failure]);
  assert.deepEqual([...notDone], [pending]);
});

test("wait() with FIRST_EXCEPTION does not count a cancel, and waits for all without a failure", async () => {
  const [a, b] = [new Future<number>(), new Future<number>()];
  const waiting = wait([a, b, gone()], { returnWhen: FIRST_EXCEPTION });
  queueMicrotask(() => {
    a.cancel();
    queueMicrotask(() => b.setResult(2));
  });
  const { done, notDone } = await waiting;
  assert.equal(done.size, 3);
  assert.equal(notDone.size, 0);
});

test("wait() counts a future cancelled while waiting as done at once", async () => {
  const future = new Future<number>();
  const waiting = wait([future]);
  queueMicrotask(() => future.cancel());
  const { done } = await waiting;
  assert.deepEqual([...done], [future]);
});

test("wait() collapses duplicates and accepts any iterable", async () => {
  const a = ok(1);
  const { done, notDone } = await wait((function* () {
    yield a;
    yield a;
  })());
  assert.deepEqual([...done], [a]);
  assert.equal(notDone.size, 0);
  const empty = await wait([]);
  assert.equal(empty.done.size + empty.notDone.size, 0);
});

test("wait() returns the current partition when the timeout passes, without throwing", async () => {
  const pending = new Future<number>();
  const a = ok(1);
  for (const timeout of [0, 5]) {
    const { done, notDone } = await wait([a, pending], {
      timeout,
      returnWhen: ALL_COMPLETED,
    });
    assert.deepEqual([...done], [a]);
    assert.deepEqual([...notDone], [pending]);
  }
});

test("wait() rejects bad options", async () => {
  const futures = [new Future<number>()];
  await assert.rejects(
    wait(futures, { returnWhen: "SOMETIMES" as typeof ALL_COMPLETED }),
    TypeError,
  );
  await assert.rejects(wait(futures, { timeout: -1 }), RangeError);
  await assert.rejects(wait([1 as unknown as Future<number>]), TypeError);
  await assert.rejects(wait(5 as unknown as Future<number>[]), TypeError);
});

test("wait() and asCompleted() refuse an unknown option", async () => {
  const futures = [new Future<number>()];
  await assert.rejects(
    wait(futures, { return_when: ALL_COMPLETED } as unknown as { timeout: number }),
    /^TypeError: Cannot wait for futures: unknown option "return_when", expected one of timeout, returnWhen$/,
  );
  assert.throws(
    () => asCompleted(futures, { timeOut: 5 } as unknown as { timeout: number }),
    /^TypeError: Cannot iterate futures as completed: unknown option "timeOut", expected one of timeout$/,
  );
});

test("asCompleted() yields done futures first, then in completion order", async () => {
  const first = ok(0);
  const [a, b, c] = [
    new Future<number>(),
    new Future<number>(),
    new Future<number>(),
  ];
  const order: Future<number>[] = [];
  const iterator = asCompleted([a, b, first, c]);
  queueMicrotask(() => {
    c.setResult(3);
    a.setResult(1);
    b.cancel();
  });
  for await (const future of iterator) order.push(future);
  assert.deepEqual(order, [first, c, a, b]);
});

test("asCompleted() yields each distinct future once", async () => {
  const a = ok(1);
  const seen = [];
  for await (const future of asCompleted([a, a, a])) seen.push(future);
  assert.deepEqual(seen, [a]);
});

test("asCompleted() throws 'N (of M) futures unfinished' at the deadline", async () => {
  const done = [ok(1), bad(), gone()];
  const pending = [new Future<number>(), new Future<number>()];
  for (const timeout of [0, 5]) {
    const seen: Future<number>[] = [];
    await assert.rejects(
      (async () => {
        for await (
          const future of asCompleted([...done, ...pending, pending[0]!], {
            timeout,
          })
        ) {
          seen.push(future);
        }
      })(),
      (error) =>
        error instanceof TimeoutError &&
        error.message === "2 (of 5) futures unfinished",
    );
    assert.deepEqual(new Set(seen), new Set(done));
  }
});

test("asCompleted() counts its deadline from the call", async () => {
  const a = new Future<number>();
  const iterator = asCompleted([a], { timeout: 1_000_000 });
  a.setResult(1);
  const step = await iterator.next();
  assert.equal(step.value, a);
  assert.equal((await iterator.next()).done, true);
});

test("asCompleted() stops cleanly on break", async () => {
  const [a, b] = [ok(1), new Future<number>()];
  for await (const future of asCompleted([a, b])) {
    assert.equal(future, a);
    break;
  }
  b.setResult(2); // a late completion after the loop is harmless
});

test("asCompleted() throws bad options from the call itself", () => {
  assert.throws(() => asCompleted([], { timeout: -1 }), RangeError);
  assert.throws(() => asCompleted([3 as unknown as Future<number>]), TypeError);
  assert.throws(
    () => asCompleted(null as unknown as Future<number>[]),
    TypeError,
  );
});

// Counts calls of the Array methods that are O(n) at the front of a long
// array (V8 makes shift() linear past a size), while `body` runs.
async function frontRemovals(body: () => Promise<void>): Promise<number> {
  const { shift, splice } = Array.prototype;
  let calls = 0;
  Array.prototype.shift = function (this: unknown[]) {
    if (this.length > 64) calls++;
    return shift.call(this);
  };
  Array.prototype.splice = function (this: unknown[], ...args: unknown[]) {
    if (this.length > 64 && args[0] === 0) calls++;
    return (splice as (...a: unknown[]) => unknown[]).apply(this, args);
  } as typeof splice;
  try {
    await body();
  } finally {
    Array.prototype.shift = shift;
    Array.prototype.splice = splice;
  }
  return calls;
}

test("asCompleted() and wait() never remove from the front of a long array (no quadratic drain)", async () => {
  const n = 5000;
  const futures = Array.from({ length: n }, () => new Future<number>());
  const removals = await frontRemovals(async () => {
    const waiting = wait(futures);
    let yielded = 0;
    const iterate = (async () => {
      for await (const _ of asCompleted(futures)) yielded++;
    })();
    futures.forEach((f, i) => f.setResult(i));
    await iterate;
    assert.equal((await waiting).done.size, n);
    assert.equal(yielded, n);
    // Already done at the call: the ready list starts full.
    let again = 0;
    for await (const _ of asCompleted(futures)) again++;
    assert.equal(again, n);
  });
  assert.equal(removals, 0);
});
