// Timestamps for bench/redis_legs.ts: importing this module patches the
// Redis client's socket writes and reply parsing, the worker node's local
// runs and its finisher, so each event of a task's trip is noted with the
// wall clock (performance.timeOrigin + now(), in ms, comparable across the
// processes of one machine to a few µs). Only the probe imports it.

import process from "node:process";
import { Claims } from "../_redis/claim.ts";
import { Connection } from "../_redis/connection.ts";
import { Finisher } from "../_redis/finisher.ts";
import { LocalRunner } from "../_redis/local_run.ts";
import { RespParser } from "../_redis/resp.ts";

/** One event: when (ms, wall clock), what, and the first bytes it carried. */
export type TraceEvent = [at: number, what: string, text: string];

/** Every event noted in this process, in order. */
export const events: TraceEvent[] = [];

/** The wall clock, in ms with µs in the fraction. */
export const now = (): number => performance.timeOrigin + performance.now();

const decoder = new TextDecoder();
const peek = (bytes: Uint8Array, n: number) =>
  decoder.decode(bytes.subarray(0, n)).replace(/\r\n/g, " ");

// Connections and parsers are numbered in the order they first show up;
// the probe tells them apart by what they carry.
const ids = new WeakMap<object, number>();
let nextId = 0;
const idOf = (o: object) => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, id = nextId++);
  return id;
};

/** Notes `what` now. */
export function mark(what: string, text = ""): void {
  if (on) events.push([now(), what, text]);
}

// LEGS_TRACE=0 leaves everything unpatched (for the CPU table alone).
const on = (() => {
  try {
    return process.env.LEGS_TRACE !== "0";
  } catch {
    return true;
  }
})();

const write = Connection.prototype.write;
if (on) {
  Connection.prototype.write = function (commands, bytes) {
    mark(`write`, peek(bytes, 160));
    return write.call(this, commands, bytes);
  };
}

const push = RespParser.prototype.push;
if (on) {
  RespParser.prototype.push = function (chunk) {
    mark(`read${idOf(this)}`, peek(chunk, 400));
    return push.call(this, chunk);
  };
}

const run = LocalRunner.prototype.run;
if (on) {
  LocalRunner.prototype.run = function (entry) {
    mark("run");
    return run.call(this, entry).then((payload) => {
      mark("ran", typeof payload === "string" ? payload : "");
      return payload;
    });
  };
}

const finish = Finisher.prototype.finish;
if (on) {
  Finisher.prototype.finish = function (entry, payload) {
    mark("finish");
    return finish.call(this, entry, payload);
  };
}

// LEGS_FINE=1: the node's steps between its read and its pool, too.
const fine = (() => {
  try {
    return on && process.env.LEGS_FINE === "1";
  } catch {
    return false;
  }
})();
const verdicts = Claims.prototype.verdicts;
if (fine) {
  Claims.prototype.verdicts = function (reply) {
    mark("verdicts");
    return verdicts.call(this, reply);
  };
}
const seen = Claims.prototype.seen;
if (fine) {
  Claims.prototype.seen = function (ids) {
    mark("take");
    return seen.call(this, ids);
  };
}
