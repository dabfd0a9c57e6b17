// Copyright 2026 the @concurrent/futures authors. MIT license.
// Worker code travels as text (the *_source.generated.ts modules) and is
// started from that text, never from a file of this package: a file may be
// remote (https), missing (JSR's npm layer emits only what static imports
// reach, a bundle or a compiled binary has none) or not readable without a
// permission. A data: or blob: module needs none.
//
// The text is both an ES module and an async function body. Bun runs it as
// a module (a blob: URL, `bun -e`). Deno runs a tiny data: module that calls
// it as a function: Deno starts the same code as a data: main module 10-15 ms
// later in a child and 3-5 ms later in a thread (2.9.6, measured; it parses
// and analyses a data: module's imports on every start).

/**
 * A `data:` URL holding `source` as a JavaScript module, in base64: the
 * shortest form, which matters on a command line (Linux caps one argument at
 * 128 KiB). Deno shortens data: URLs in stack traces.
 */
export function dataUrl(source: string): string {
  const bytes = new TextEncoder().encode(source);
  let binary = "";
  // In slices: fromCharCode takes its characters as arguments.
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return `data:text/javascript;base64,${btoa(binary)}`;
}

/** A `blob:` URL holding `source` as a JavaScript module, for this process's lifetime. */
export function blobUrl(source: string): string {
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}
