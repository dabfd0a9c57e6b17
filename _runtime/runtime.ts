// Copyright 2026 the @concurrent/futures authors. MIT license.
// The one place that tells Deno, Bun and Node apart. Everything else asks
// `runtime`, or the adapter chosen by it (current.ts). Worker code (_worker/)
// asks `runtime` itself: it runs without the adapters.

/** The JavaScript runtimes this package knows. */
export type Runtime = "deno" | "bun" | "node" | "other";

function detect(): Runtime {
  const g = globalThis as {
    Deno?: { version?: unknown };
    Bun?: unknown;
    process?: { release?: { name?: unknown } };
  };
  // Bun defines no Deno global and Deno no Bun global; check Bun first since
  // a Deno shim in Bun would still leave Bun defined. Both also define a
  // Node-like `process`, so Node comes last.
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  if (typeof g.Deno === "object" && g.Deno !== null && g.Deno.version) {
    return "deno";
  }
  if (g.process?.release?.name === "node") return "node";
  return "other";
}

/** The runtime this module was loaded in, detected once. */
export const runtime: Runtime = detect();

/**
 * The JavaScript engine under the runtime, whose structured-clone format
 * (node:v8's serialize) values take: V8 (Deno, Node) or JavaScriptCore (Bun).
 */
export const engine: "v8" | "jsc" = runtime === "bun" ? "jsc" : "v8";
