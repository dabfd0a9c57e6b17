// Copyright 2026 the @concurrent/futures authors. MIT license.
// Task modules built into a binary made by `bun build --compile` (given to
// it as extra entry points) live under /$bunfs/ (B:/~BUN/ on Windows), which
// only the binary's own process can read: its threads import them, but a
// child, the binary acting as bun (BUN_BE_BUN), cannot ("Cannot find module
// '/$bunfs/root/tasks.js'", Bun 1.4.5). Such a module goes to a child as its
// text in a data: URL instead; bundled as an entry point, it imports nothing
// by a relative path.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type FnDef, Msg, type TaskSpec, type ToWorker } from "../../_wire/protocol.ts";
import { dataUrl } from "../source_url.ts";

const EMBEDDED = /^file:\/\/\/(\$bunfs\/|[A-Za-z]:\/~BUN\/)/;
const shipped = new Map<string, string>();

/**
 * `message` with every task module built into this binary replaced by a
 * data: URL of its text; `message` itself when there is none (the usual
 * case, and the only one outside a compiled binary).
 */
export function shipEmbeddedModules(message: ToWorker): ToWorker {
  if (message[0] === Msg.Init) {
    const initializer = message[2] && ship(message[2]);
    if (initializer === message[2]) return message;
    const copy: ToWorker = [...message];
    copy[2] = initializer;
    return copy;
  }
  if (message[0] !== Msg.Run) return message;
  const defs = message[1];
  if (!defs?.some(([, spec]) => ship(spec) !== spec)) return message;
  const copy: ToWorker = [...message];
  copy[1] = defs.map(([id, spec]): FnDef => [id, ship(spec)]);
  return copy;
}

function ship(spec: TaskSpec): TaskSpec {
  if (spec.kind !== "module" || !EMBEDDED.test(spec.module)) return spec;
  let url = shipped.get(spec.module);
  if (url === undefined) {
    url = dataUrl(readFileSync(fileURLToPath(spec.module), "utf8"));
    shipped.set(spec.module, url);
  }
  return { kind: "module", module: url, name: spec.name };
}
