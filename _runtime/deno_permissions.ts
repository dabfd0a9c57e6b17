// Copyright 2026 the @concurrent/futures authors. MIT license.
// The permissions of a Deno child process. A parent can list only its
// whole-permission grants (`Deno.permissions.query({ name })`), not the
// entries of a partial grant such as `--allow-read=/data`, nor the entries a
// `--deny-*` flag takes out of a whole grant: Deno reports such a grant as
// granted but `partial`. So a child gets a whole grant only where the parent
// holds it with nothing denied; anything partial must be spelled out by the
// user, and whatever is asked for is checked against what the parent holds:
// a child never gets more. The functions here take the query as a parameter,
// so they hold no Deno calls and can be tested anywhere.

import { describe } from "../_future/validate.ts";

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
 * A parent run with a `--deny-*` flag holds that permission only in part,
 * and Deno cannot tell which entries are denied. Without this option the
 * pool then refuses to start (an `Error` naming the permission), rather than
 * pass the whole grant on; with it, `true` for that permission is refused
 * too, and so is an entry with anything denied inside it (`read: ["/"]`
 * under `--deny-read=/etc`). List the entries the tasks need instead.
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
  read?: boolean | readonly string[] | undefined;
  /**
   * File system write access: paths (`--allow-write=<paths>`).
   *
   * @default {false}
   */
  write?: boolean | readonly string[] | undefined;
  /**
   * Network access: hosts, with ports as needed (`--allow-net=<hosts>`).
   *
   * @default {false}
   */
  net?: boolean | readonly string[] | undefined;
  /**
   * Environment access: variable names (`--allow-env=<names>`).
   *
   * @default {false}
   */
  env?: boolean | readonly string[] | undefined;
  /**
   * Running subprocesses: commands (`--allow-run=<commands>`).
   *
   * @default {false}
   */
  run?: boolean | readonly string[] | undefined;
  /**
   * Loading dynamic libraries: paths (`--allow-ffi=<paths>`).
   *
   * @default {false}
   */
  ffi?: boolean | readonly string[] | undefined;
  /**
   * System information: kinds such as `"hostname"` (`--allow-sys=<kinds>`).
   *
   * @default {false}
   */
  sys?: boolean | readonly string[] | undefined;
  /**
   * Importing remote modules beyond Deno's default hosts: hosts
   * (`--allow-import=<hosts>`).
   *
   * @default {false}
   */
  import?: boolean | readonly string[] | undefined;
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
 * What the parent holds of a permission, or of one entry of it: all of it;
 * only part of it (`"partial"`: a list such as `--allow-read=/data` for the
 * whole permission, or a `--deny-*` flag taking entries out of it); none of
 * it, but it may be asked for (`"prompt"`); or none, refused (`"denied"`).
 */
export type HeldState = "granted" | "partial" | "prompt" | "denied";

/**
 * Asks the parent's state of a permission: the whole permission when `entry`
 * is undefined, else one path, host, variable, command or kind.
 */
export type QueryPermission = (
  name: PermissionName,
  entry?: string,
) => HeldState;

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
 * (the entry and task modules) when read is not wholly granted, except
 * those the parent is denied.
 *
 * @throws {Error} Without `permissions`, if the parent holds a permission
 * only in part (a `--deny-*` flag under a whole grant).
 * @throws {TypeError} If `permissions` asks for something the parent, as
 * `query` reports it, does not wholly hold.
 */
export function denoPermissionFlags(
  permissions: DenoPermissions | undefined,
  readable: readonly string[],
  query: QueryPermission,
): string[] {
  const granted = permissions ?? wholeGrants(query);
  const flags: string[] = [];
  for (const name of PERMISSION_NAMES) {
    let asked = granted[name];
    if (permissions !== undefined) checkHeld(name, asked, query);
    if (name === "read" && asked !== true) {
      // A module the parent may not read stays unreadable to the child too.
      const modules = readable.filter((path) => query("read", path) !== "denied");
      if (modules.length > 0) asked = [...(asked || []), ...modules];
    }
    if (asked === true) flags.push(`--allow-${name}`);
    else if (Array.isArray(asked) && asked.length > 0) {
      // Deno splits a flag's list at commas; a doubled comma is a literal one.
      const list = asked.map((entry) => entry.replaceAll(",", ",,"));
      flags.push(`--allow-${name}=${list.join(",")}`);
    }
  }
  // Deno's node:child_process (2.9, denoland/deno#35443) starts `deno run`
  // with -A when it sees no permission flag at all: a child meant to hold
  // nothing would hold everything. A deny flag counts, and denies nothing
  // the child was given.
  if (flags.length === 0) flags.push(NOTHING_FLAG);
  return flags;
}

/** The flag a child that holds nothing is started with (see above). */
export const NOTHING_FLAG = "--deny-ffi";

// The default: every permission the parent holds whole. One held in part
// cannot be copied (its denied entries are unknown) nor dropped without the
// user noticing, so the pool refuses and shows what to write instead.
function wholeGrants(query: QueryPermission): DenoPermissions {
  const whole: DenoPermissions = {};
  const partial: PermissionName[] = [];
  for (const name of PERMISSION_NAMES) {
    const state = query(name);
    if (state === "granted") whole[name] = true;
    else if (state === "partial") partial.push(name);
  }
  if (partial.length === 0) return whole;
  const flags = partial.map((name) => `--deny-${name}`).join(", ");
  const spelled = PERMISSION_NAMES.flatMap((name) =>
    whole[name] ? [`${name}: true`] : partial.includes(name) ? [`${name}: [${EXAMPLE[name]}]`] : []
  );
  throw new Error(
    `Cannot start child processes in Deno: this process holds ${
      partial.join(", ")
    } only in part (${flags} or a list), and Deno cannot tell a child which entries are denied; pass denoPermissions listing what the tasks need, such as new ProcessPoolExecutor({ denoPermissions: { ${
      spelled.join(", ")
    } } })`,
  );
}

// Placeholders in the example of the error above, one per permission.
const EXAMPLE: Record<PermissionName, string> = {
  read: '"/data"',
  write: '"/tmp/out"',
  net: '"api.example.com:443"',
  env: '"HOME"',
  run: '"git"',
  ffi: '"/usr/lib/libfoo.so"',
  sys: '"hostname"',
  import: '"cdn.example.com:443"',
};

function checkHeld(
  name: PermissionName,
  asked: boolean | readonly string[] | undefined,
  query: QueryPermission,
): void {
  if (asked === true) {
    const state = query(name);
    if (state === "granted") return;
    throw new TypeError(
      `Cannot give a child process --allow-${name}: this process ${
        state === "partial"
          ? `holds it only in part (a --deny-${name} flag or a list); list the entries the tasks need`
          : "does not hold that permission"
      }`,
    );
  }
  for (const entry of asked || []) {
    const state = query(name, entry);
    if (state === "granted") continue;
    throw new TypeError(
      `Cannot give a child process --allow-${name}=${entry}: this process ${
        state === "partial"
          ? `is denied part of it (--deny-${name}); list narrower entries`
          : "does not hold that permission"
      }`,
    );
  }
}
