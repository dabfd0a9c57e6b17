// Copyright 2026 the @concurrent/futures authors. MIT license.
// The adapter of the runtime this package runs in, chosen once, at load,
// from runtime.ts's detection. A new runtime is a folder and one line here.

import type { RuntimeAdapter } from "./adapter.ts";
import { bunAdapter } from "./bun/adapter.ts";
import { denoAdapter } from "./deno/adapter.ts";
import { nodeAdapter } from "./node/adapter.ts";
import { otherAdapter } from "./other_adapter.ts";
import { type Runtime, runtime } from "./runtime.ts";

const ADAPTERS: Record<Runtime, RuntimeAdapter> = {
  deno: denoAdapter,
  bun: bunAdapter,
  node: nodeAdapter,
  other: otherAdapter,
};

/** This runtime's adapter. */
export const adapter: RuntimeAdapter = ADAPTERS[runtime];
