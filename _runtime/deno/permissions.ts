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

import { dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "../../_future/validate.ts";
import {
  DEFAULT_IMPORT_HOSTS,
  entryFault,
  type HeldState,
  hostFault,
  importFlags,
  PERMISSION_NAMES,
  type PermissionName,
} from "./entries.ts";

/**
 * The permissions of each child process of a `ProcessPoolExecutor` in Deno
 * (ignored in Bun). Giving this object replaces the default, which is every
 * permission the parent holds as a whole (`--allow-net`, …, as
 * `Deno.permissions.query` reports them), so list everything the tasks
 * need. Each field is `true` for the whole permission, a list to allow only
 * those entries, or `false` for none. Asking for anything the parent does
 * not hold is a `TypeError`. A child may also load the task modules, where
 * this process may: read access to a local one, import access to the host of
 * a remote one.
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
   * Where this process holds net only in part (`--allow-net=<hosts>`, or a
   * `--deny-net` flag), each entry must be a host and a port, and under a
   * `--deny-net` flag an IP address and a port (`"203.0.113.7:443"`):
   * Deno cannot tell this process what a host alone, a range or a host name
   * would cover.
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
   * Importing remote modules: hosts with ports (`--allow-import=<hosts>`),
   * beyond those of Deno's default hosts (jsr.io, deno.land, esm.sh,
   * cdn.jsdelivr.net, raw.githubusercontent.com and
   * gist.githubusercontent.com, port 443) that this process may import from,
   * which a child gets unless this is `false`.
   *
   * @default {the default hosts this process may import from}
   */
  import?: boolean | readonly string[] | undefined;
}

// The names and states live with the entry rules, which this module builds on.
export { type HeldState, PERMISSION_NAMES, type PermissionName };

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
    for (const entry of Array.isArray(field) ? field as string[] : []) {
      const fault = entryFault(entry);
      if (fault === undefined) continue;
      throw new TypeError(
        `Cannot ${action}: denoPermissions.${key} holds ${JSON.stringify(entry)}, but ${fault}`,
      );
    }
  }
  return value as DenoPermissions;
}

/**
 * The permission flags of a child's `deno run`: the parent's whole grants
 * by default, or exactly `permissions`, plus what loading `modules` (the
 * task modules) needs where the parent holds it: read access to a local one,
 * import access to a remote one's host.
 *
 * @throws {Error} Without `permissions`, if the parent holds a permission
 * only in part (a `--deny-*` flag under a whole grant).
 * @throws {TypeError} If `permissions` asks for something the parent, as
 * `query` reports it, does not wholly hold.
 */
export function denoPermissionFlags(
  permissions: DenoPermissions | undefined,
  modules: readonly string[],
  query: QueryPermission,
): string[] {
  const granted = permissions ?? wholeGrants(query);
  const flags: string[] = [];
  for (const name of PERMISSION_NAMES) {
    let asked = granted[name];
    if (permissions !== undefined) checkHeld(name, asked, query);
    if (asked !== true) {
      // Only what the parent holds itself: a child never gets more.
      const needed = moduleEntries(modules, name, query);
      if (needed.length > 0) asked = [...new Set([...(asked || []), ...needed])];
    }
    if (asked === true) flags.push(`--allow-${name}`);
    else if (name === "import") {
      // Exactly the parent's import hosts: Deno's defaults come back in a
      // child given no list, even where the parent lost some of them.
      const listed = (asked || []).map((entry) => entry.replaceAll(",", ",,"));
      flags.push(
        ...importFlags(listed, granted.import !== false, (host) => query(name, host) === "granted"),
      );
    } else if (Array.isArray(asked) && asked.length > 0) {
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

/**
 * What loading `module` (a URL or a path) in a child needs: read access to a
 * local file, or import access to a remote host; nothing for data:, blob:,
 * jsr:, npm: and node: modules.
 */
export function moduleNeed(module: string): [name: "read" | "import", entry: string] | undefined {
  if (!URL.canParse(module) || /^[a-z]:[\\/]/i.test(module)) return ["read", module];
  const url = new URL(module);
  if (url.protocol === "file:") return ["read", fileURLToPath(url)];
  if (url.protocol === "http:" || url.protocol === "https:") {
    // With its port: Deno answers for a host alone as if for every port.
    return ["import", `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`];
  }
  return undefined;
}

/**
 * The entries of permission `name` a child is given so that it can load
 * `modules`, where this process holds them: for a local module the widest
 * folder above it that this process may read whole (a dynamic import needs
 * read access to every local module it loads, not only the first, and a task
 * module's own imports mostly sit near it: measured, Deno 2.9.6); for a
 * remote one, its host.
 */
export function moduleEntries(
  modules: readonly string[],
  name: PermissionName,
  query: QueryPermission,
): string[] {
  const entries = new Set<string>();
  for (const module of modules) {
    const need = moduleNeed(module);
    if (need?.[0] !== name || query(name, need[1]) !== "granted") continue;
    entries.add(name === "read" ? widestReadable(need[1], query) : need[1]);
  }
  return [...entries];
}

// Never a folder with anything denied inside it: Deno reports it "partial".
function widestReadable(path: string, query: QueryPermission): string {
  let widest = path;
  for (let dir = dirname(path); dir !== widest; dir = dirname(dir)) {
    if (query("read", dir) !== "granted") break;
    widest = dir;
  }
  return widest;
}

/**
 * Tells whether a child started with these permissions and `modules` can
 * load `module` as far as this process could let it: false only when a new
 * child, given the module, would load it where this one cannot.
 */
export function childCovers(
  permissions: DenoPermissions | undefined,
  modules: readonly string[],
  module: string,
  query: QueryPermission,
): boolean {
  const need = moduleNeed(module);
  if (need === undefined) return true;
  const [name, entry] = need;
  if (query(name, entry) !== "granted") return true;
  const held = permissions === undefined ? query(name) === "granted" : permissions[name];
  if (held === true) return true;
  const entries = [...(held || []), ...moduleEntries(modules, name, query)];
  // Unless told otherwise, a child holds the default import hosts this
  // process holds (importFlags), and this one holds `entry`.
  if (name === "import" && permissions?.import !== false) entries.push(...DEFAULT_IMPORT_HOSTS);
  return entries.some((e) => e === entry || (name === "read" && isInside(entry, e)));
}

function isInside(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

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
  const whole = asked && asked.length > 0 ? query(name) : "granted";
  for (const entry of asked || []) {
    const fault = hostFault(name, entry, whole);
    if (fault !== undefined) {
      throw new TypeError(`Cannot give a child process --allow-${name}=${entry}: ${fault}`);
    }
    const state = queryEntry(name, entry, query);
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

// Deno throws a URIError for an entry it cannot parse (a host with a space).
function queryEntry(name: PermissionName, entry: string, query: QueryPermission): HeldState {
  try {
    return query(name, entry);
  } catch (cause) {
    throw new TypeError(
      `Cannot give a child process --allow-${name}=${entry}: Deno cannot read it (${
        (cause as Error).message
      })`,
      { cause },
    );
  }
}
