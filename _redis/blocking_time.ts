// Copyright 2026 the @concurrent/futures authors. MIT license.
// How long a command may block on the server before it answers, read from
// its arguments, so that the dead-connection check (connection.ts) does
// not take a blocked read for a partition. 0 means it answers at once;
// Infinity that it may block for ever (a timeout of 0).

import type { RedisArg } from "./resp_encode.ts";

// Blocking commands whose timeout, in seconds, is the last argument.
const LAST_SECONDS = new Set(["BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BZPOPMIN", "BZPOPMAX"]);

/** Milliseconds `args` may block before the server answers. */
export function blockingTime(args: readonly RedisArg[]): number {
  const head = args[0];
  if (typeof head !== "string" || !/^[bBxXwW]/.test(head)) return 0;
  const name = head.toUpperCase();
  if (name === "XREAD" || name === "XREADGROUP") {
    const at = args.findIndex((arg) => typeof arg === "string" && arg.toUpperCase() === "BLOCK");
    return at < 0 ? 0 : forever(Number(args[at + 1]));
  }
  if (LAST_SECONDS.has(name)) return forever(Number(args[args.length - 1]) * 1000);
  if (name === "BLMPOP" || name === "BZMPOP") return forever(Number(args[1]) * 1000);
  if (name === "WAIT") return forever(Number(args[2]));
  if (name === "WAITAOF") return forever(Number(args[3]));
  return 0;
}

function forever(ms: number): number {
  return ms === 0 ? Infinity : Number.isFinite(ms) && ms > 0 ? ms : 0;
}
