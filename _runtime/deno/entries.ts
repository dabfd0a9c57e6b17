// Copyright 2026 the @concurrent/futures authors. MIT license.
// The entries of a Deno child's permission lists that a parent can vouch
// for. A parent learns what it holds only by querying one entry at a time,
// and Deno answers for the entry as written, not for all it covers
// (measured, Deno 2.9.6): under `--allow-net --deny-net=127.0.0.1:6480`,
// `127.0.0.1`, `127.0.0.0/8`, `127.1:6480` and `localhost:6480` all query
// "granted", while the parent itself is refused 127.0.0.1:6480 through each
// of them (a deny is checked against the address a name resolves to). And
// Deno grants some import hosts by default, which a child would get back even
// where its parent lost them (`--allow-import=<list>`, `--deny-import=…`).

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
 * The hosts Deno allows imports from without `--allow-import` (its
 * documentation, and `Deno.permissions.query` in Deno 2.9.6).
 */
export const DEFAULT_IMPORT_HOSTS: readonly string[] = [
  "jsr.io:443",
  "deno.land:443",
  "esm.sh:443",
  "cdn.jsdelivr.net:443",
  "raw.githubusercontent.com:443",
  "gist.githubusercontent.com:443",
];

/**
 * Why an entry of a permission list can never be vouched for, or undefined:
 * an empty entry (Deno refuses it when the child starts) and a `*` wildcard
 * (it covers entries the parent cannot query one by one, such as denied
 * variables under `--deny-env`).
 */
export function entryFault(entry: string): string | undefined {
  if (entry === "") return "an entry must not be empty";
  if (entry.includes("*")) return 'an entry must not hold a "*" wildcard';
  return undefined;
}

/**
 * Why a net or import entry cannot be vouched for under a grant the parent
 * holds only in part (`whole` is not "granted"), or undefined. Only a host
 * with a port is answered for exactly what it covers; a host alone covers
 * every port, a CIDR range every address in it. Under a deny flag
 * (`"partial"`), a net entry must also be an IP address in its usual form,
 * since Deno checks a deny against the address a name or an odd spelling
 * (`127.1`, `0177.0.0.1`) leads to, while the query answers for the text.
 */
export function hostFault(
  name: PermissionName,
  entry: string,
  whole: HeldState,
): string | undefined {
  if ((name !== "net" && name !== "import") || whole === "granted") return undefined;
  const match = /^(.+):([0-9]{1,5})$/.exec(entry);
  const host = match?.[1] ?? "";
  if (match === null || host.includes("/") || !isHost(host)) {
    return `this process holds ${name} only in part, so an entry must be a host and a port, such as "203.0.113.7:443" (a host alone, a range or a wildcard covers entries it cannot check)`;
  }
  if (name === "net" && whole === "partial" && !isPlainAddress(host)) {
    return `this process is denied part of net (--deny-net), which Deno checks against the address a host name leads to, so an entry must be an IP address and a port, such as "203.0.113.7:443"`;
  }
  return undefined;
}

function isHost(host: string): boolean {
  return URL.canParse(`http://${host}/`);
}

// An IP address written the way URL parsing writes it back: 127.0.0.1, not
// 127.1 or 0177.0.0.1; [::1], not [0:0::1].
function isPlainAddress(host: string): boolean {
  const canonical = new URL(`http://${host}/`).hostname;
  return canonical === host &&
    (/^[0-9]+(\.[0-9]+){3}$/.test(host) || /^\[[0-9a-f:.]+\]$/.test(host));
}

/**
 * The import flags of a child that is not given the whole permission: the
 * hosts listed, plus (unless `defaults` is false) those of Deno's default
 * hosts that the parent may import from, as an explicit list, since any
 * `--allow-import` list replaces the defaults; nothing when the parent holds
 * every default and nothing is listed (Deno's own defaults are then
 * exactly the parent's).
 */
export function importFlags(
  listed: readonly string[],
  defaults: boolean,
  granted: (host: string) => boolean,
): string[] {
  const held = defaults ? DEFAULT_IMPORT_HOSTS.filter(granted) : [];
  if (listed.length === 0 && held.length === DEFAULT_IMPORT_HOSTS.length) return [];
  const hosts = [...new Set([...held, ...listed])];
  if (hosts.length > 0) return [`--allow-import=${hosts.join(",")}`];
  // No host at all. A bare --deny-import leaves the default hosts granted
  // (measured, Deno 2.9.6); an allow list replaces them, and a deny of its
  // one host takes that back, whatever Deno's defaults are.
  const [first] = DEFAULT_IMPORT_HOSTS;
  return [`--allow-import=${first}`, `--deny-import=${first}`];
}
