// Copyright 2026 the @concurrent/futures authors. MIT license.
// The permissions of a Deno child process. A parent can list only its
// whole-permission grants (`Deno.permissions.query({ name })`), not the
// entries of a partial grant such as `--allow-read=/data`, so those must be
// spelled out by the user. Whatever is asked for is checked against what the
// parent holds: a child never gets more. The functions here take the query as
// a parameter, so they hold no Deno calls and can be tested anywhere.

import { describe } from "./_validate.ts";

/**
 * The permissions of each child process of a `ProcessPoolExecutor` in Deno
 * (ignored in Bun). Giving this object replaces the default, which is every
 * permission the parent holds as a whole (`--allow-net`, …, as
 * `Deno.permissions.query` reports them), so list everything the tasks
 * need. Each field is `true` for the whole permission, a list to allow only
 * those entries, or `false` for none. Asking for anything the parent does
 * not hold is a `TypeError`. The child can always read its own entry module
 * and the task modules.
 *
 * Deno does not report `--deny-*` flags: under `-A --deny-read=/etc` it
 * answers that read is granted, so a child would get all of it. A parent
 * run with deny flags should spell out lists that leave the denied entries
 * out.
 *
 * @example A parent run with `--allow-read=/data --allow-net --allow-env --allow-run`
 * ```ts ignore
 * import { ProcessPoolExecutor } from "@concurrent/futures/process";
 *
 * await using pool = new ProcessPoolExecutor({
 *   denoPermissions: { read: ["/data"], net: true },
 * });
 * ```
 */
export interface DenoPermissions {
  /**
   * File system read access: paths (`--allow-read=<paths>`).
   *
   * @default {false}
   */
  read?: boolean | string[];
  /**
   * File system write access: paths (`--allow-write=<paths>`).
   *
   * @default {false}
   */
  write?: boolean | string[];
  /**
   * Network access: hosts, with ports as needed (`--allow-net=<hosts>`).
   *
   * @default {false}
   */
  net?: boolean | string[];
  /**
   * Environment access: variable names (`--allow-env=<names>`).
   *
   * @default {false}
   */
  env?: boolean | string[];
  /**
   * Running subprocesses: commands (`--allow-run=<commands>`).
   *
   * @default {false}
   */
  run?: boolean | string[];
  /**
   * Loading dynamic libraries: paths (`--allow-ffi=<paths>`).
   *
   * @default {false}
   */
  ffi?: boolean | string[];
  /**
   * System information: kinds such as `"hostname"` (`--allow-sys=<kinds>`).
   *
   * @default {false}
   */
  sys?: boolean | string[];
  /**
   * Importing remote modules beyond Deno's default hosts: hosts
   * (`--allow-import=<hosts>`).
   *
   * @default {false}
   */
  import?: boolean | string[];
}

/** The permission names a child can be given, in flag order. */
export const PERMISSION_NAMES = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
] as const;

/** One of {@linkcode PERMISSION_NAMES}. */
export type PermissionName = (typeof PERMISSION_NAMES)[number];

/**
 * Asks the parent's state of a permission: the whole permission when `entry`
 * is undefined, else one path, host, variable, command or kind.
 */
export type QueryPermission = (
  name: PermissionName,
  entry?: string,
) => "granted" | "prompt" | "denied";

/**
 * Checks the shape of a `denoPermissions` option.
 *
 * @throws {TypeError} If it is not an object of known keys whose values are
 * booleans or arrays of strings.
 */
export function checkDenoPermissions(
  value: unknown,
  action: string,
): DenoPermissions | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `Cannot ${action}: denoPermissions must be an object, received ${describe(value)}`,
    );
  }
  for (const [key, field] of Object.entries(value)) {
    if (!(PERMISSION_NAMES as readonly string[]).includes(key)) {
      throw new TypeError(
        `Cannot ${action}: unknown denoPermissions key ${JSON.stringify(key)}, expected one of ${
          PERMISSION_NAMES.join(", ")
        }`,
      );
    }
    const ok = field === undefined || typeof field === "boolean" ||
      (Array.isArray(field) && field.every((e) => typeof e === "string"));
    if (!ok) {
      throw new TypeError(
        `Cannot ${action}: denoPermissions.${key} must be a boolean or an array of strings, received ${
          describe(field)
        }`,
      );
    }
  }
  return value as DenoPermissions;
}

/**
 * The permission flags of a child's `deno run`: the parent's whole grants
 * by default, or exactly `permissions`, plus read access to `readable`
 * (the entry and task modules) when read is not wholly granted.
 *
 * @throws {TypeError} If `permissions` asks for something the parent, as
 * `query` reports it, does not hold.
 */
export function denoPermissionFlags(
  permissions: DenoPermissions | undefined,
  readable: readonly string[],
  query: QueryPermission,
): string[] {
  const flags: string[] = [];
  for (const name of PERMISSION_NAMES) {
    let asked: boolean | string[] | undefined = permissions === undefined
      ? query(name) === "granted"
      : permissions[name];
    if (permissions !== undefined) checkHeld(name, asked, query);
    if (name === "read" && asked !== true && readable.length > 0) {
      asked = [...(asked || []), ...readable];
    }
    if (asked === true) flags.push(`--allow-${name}`);
    else if (Array.isArray(asked) && asked.length > 0) {
      // Deno splits a flag's list at commas; a doubled comma is a literal one.
      const list = asked.map((entry) => entry.replaceAll(",", ",,"));
      flags.push(`--allow-${name}=${list.join(",")}`);
    }
  }
  return flags;
}

function checkHeld(
  name: PermissionName,
  asked: boolean | string[] | undefined,
  query: QueryPermission,
): void {
  let flag: string | undefined;
  if (asked === true) {
    if (query(name) !== "granted") flag = `--allow-${name}`;
  } else {
    const entry = (asked || []).find((e) => query(name, e) !== "granted");
    if (entry !== undefined) flag = `--allow-${name}=${entry}`;
  }
  if (flag === undefined) return;
  throw new TypeError(
    `Cannot give a child process ${flag}: this process does not hold that permission`,
  );
}
