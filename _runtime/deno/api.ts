// Copyright 2026 the @concurrent/futures authors. MIT license.
// The few Deno APIs this package calls, declared here rather than taken from
// Deno's global types: a project type-checked without them (a Bun project
// running tsc over this package's sources) then sees no error from inside
// this package. Only the Deno adapters call `deno()`, and only in Deno.

/** A permission descriptor: the permission and, optionally, one entry. */
export interface PermissionDescriptor {
  name: string;
  path?: string;
  host?: string;
  variable?: string;
  command?: string;
  kind?: string;
}

/** What `Deno.permissions` answers. */
export interface PermissionStatus {
  state: "granted" | "prompt" | "denied";
  partial?: boolean;
}

/** The part of the `Deno` namespace used here. */
export interface DenoApi {
  execPath(): string;
  readonly mainModule: string;
  readonly build: { readonly standalone?: boolean };
  readonly permissions: {
    querySync(descriptor: PermissionDescriptor): PermissionStatus;
    requestSync(descriptor: PermissionDescriptor): PermissionStatus;
  };
  statSync(path: string): { readonly isFile: boolean };
  readTextFileSync(path: string): string;
  readonly pid: number;
  kill(pid: number, signal: "SIGTERM"): void;
  addSignalListener(signal: "SIGTERM", handler: () => void): void;
  removeSignalListener(signal: "SIGTERM", handler: () => void): void;
}

/** The `Deno` namespace; call only when `runtime === "deno"`. */
export function deno(): DenoApi {
  return (globalThis as unknown as { Deno: DenoApi }).Deno;
}
