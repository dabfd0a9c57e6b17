// Copyright 2026 the @concurrent/futures authors. MIT license.
// Which task modules a worker node may import: its `allow` prefixes, parsed
// once into rules, and each module URL checked against them before anything
// is imported.
//
// A URL's text is not what a runtime loads. WHATWG parsing resolves `..`
// but leaves `%2F` and `%5C` encoded, and the loaders decode them into
// separators afterwards (`ok/..%2fevil.ts` ran `evil.ts`); a symlink leads
// where it points; `npm:` and `jsr:` specifiers are not URLs with a path at
// all. So a path is cut into segments and each is decoded once: a segment
// that decodes to a separator, a backslash, NUL, a dot segment or another
// escape (`%252f`, for a loader that decodes twice) is refused, never
// repaired. A prefix matches whole segments (`ok` does not match `okay`);
// `file:` paths are compared once both are resolved by realpath, and the
// module is then imported by its resolved path, the one that was checked.
// Everything here is pure but the `realpath` a caller passes in.

import { sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** One `allow` prefix, parsed. */
export type AllowRule =
  | { readonly kind: "file"; readonly text: string; readonly path: string }
  | {
    readonly kind: "web";
    readonly text: string;
    readonly origin: string;
    readonly auth: string;
    readonly segments: readonly string[];
  }
  | { readonly kind: "package"; readonly text: string; readonly spec: PackageSpec };

/** A parsed `npm:` or `jsr:` specifier (or a prefix of one). */
export interface PackageSpec {
  readonly scheme: "npm:" | "jsr:";
  /** `@scope` or undefined. */
  readonly scope: string | undefined;
  /** The name without its scope; undefined for a prefix that names a whole scope. */
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly segments: readonly string[];
}

/**
 * What the check says: import `module` (the URL to import, resolved), or
 * refuse with `why`; `again` marks a refusal that may change (the file does
 * not exist yet), which a caller should not remember.
 */
export type AllowVerdict =
  | { readonly ok: true; readonly module: string }
  | { readonly ok: false; readonly why: string; readonly again?: boolean };

/** Resolves a file system path through its symlinks; throws when it does not exist. */
export type Realpath = (path: string) => string;

// Raw characters a module URL never needs: WHATWG parsing turns `\` into
// `/` and drops tabs and newlines, so they could only hide something.
// deno-lint-ignore no-control-regex
const RAW_FORBIDDEN = /[\u0000-\u001f\u007f\\]/;
// Escapes that, decoded once more, are a separator, a dot, NUL or another escape.
const DOUBLE_ESCAPE = /%(2f|5c|00|2e|25)/i;
const PACKAGE_PART = /^[A-Za-z0-9][A-Za-z0-9._~-]*$/;
const VERSION = /^[A-Za-z0-9.^~<>=*+_-]+$/;

/**
 * Parses an `allow` prefix: a `file:`, `http:` or `https:` URL, or an
 * `npm:` or `jsr:` package specifier (`jsr:@me/tasks@1.2.3/`, or a whole
 * scope: `jsr:@me/`).
 *
 * @throws {TypeError} For a prefix of another scheme, or one that holds
 * what a module URL may not (see {@linkcode checkModule}).
 */
export function parseAllowRule(text: string): AllowRule {
  const scheme = schemeOf(text);
  let rule: AllowRule | string;
  if (scheme === "npm:" || scheme === "jsr:") {
    const spec = parsePackage(text, scheme, true);
    rule = typeof spec === "string" ? spec : { kind: "package", text, spec };
  } else if (scheme === "file:" || scheme === "http:" || scheme === "https:") {
    const url = parseUrl(text, true);
    if (typeof url === "string") rule = url;
    else if (scheme === "file:") {
      const path = filePath(url, true);
      rule = typeof path === "string" ? { kind: "file", text: url.href, path } : path.why;
    } else {
      const segments = segmentsOf(url.pathname, true);
      rule = typeof segments === "string" ? segments : {
        kind: "web",
        text: url.href,
        origin: url.origin,
        auth: `${url.username}:${url.password}`,
        segments,
      };
    }
  } else rule = "must be a file:, http:, https:, npm: or jsr: URL";
  if (typeof rule === "string") {
    throw new TypeError(`Cannot use allow prefix ${JSON.stringify(text)}: it ${rule}`);
  }
  return rule;
}

/**
 * Checks a task's module URL against the rules; see the module comment.
 * Nothing is imported; `file:` paths are resolved with `realpath`.
 */
export function checkModule(
  module: string,
  rules: readonly AllowRule[],
  realpath: Realpath,
): AllowVerdict {
  const scheme = schemeOf(module);
  if (scheme === "npm:" || scheme === "jsr:") {
    const spec = parsePackage(module, scheme, false);
    if (typeof spec === "string") return refuse(spec);
    const allowed = rules.some((r) => r.kind === "package" && packageWithin(spec, r.spec));
    return allowed ? { ok: true, module: `${scheme}${module.slice(4)}` } : outside();
  }
  if (scheme !== "file:" && scheme !== "http:" && scheme !== "https:") {
    return refuse(`has a scheme this worker does not import from`);
  }
  const url = parseUrl(module, false);
  if (typeof url === "string") return refuse(url);
  if (scheme === "file:") return checkFile(url, rules, realpath);
  const segments = segmentsOf(url.pathname, false);
  if (typeof segments === "string") return refuse(segments);
  const auth = `${url.username}:${url.password}`;
  const allowed = rules.some((r) =>
    r.kind === "web" && r.origin === url.origin && r.auth === auth &&
    startsWith(segments, r.segments)
  );
  return allowed ? { ok: true, module: url.href } : outside();
}

function checkFile(url: URL, rules: readonly AllowRule[], realpath: Realpath): AllowVerdict {
  const path = filePath(url, false);
  if (typeof path !== "string") return refuse(path.why);
  const files = rules.filter((r) => r.kind === "file");
  let real: string;
  try {
    real = realpath(path);
  } catch (error) {
    // Said only for a path inside a prefix as written, so that the answer
    // tells nothing about files elsewhere.
    if (!files.some((r) => within(path, r.path))) return outside();
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      why: `does not exist on this worker (${code ?? "unreadable"})`,
      again: true,
    };
  }
  for (const rule of files) {
    let root: string;
    try {
      root = realpath(rule.path);
    } catch {
      continue; // an allowed folder that does not exist allows nothing
    }
    if (within(real, root)) return { ok: true, module: pathToFileURL(real).href + url.search };
  }
  return outside(
    files.some((r) => within(path, r.path)) ? " once symlinks are resolved" : "",
  );
}

function refuse(why: string): AllowVerdict {
  return { ok: false, why };
}

function outside(detail = ""): AllowVerdict {
  return { ok: false, why: `is outside this worker's allow prefixes${detail}` };
}

function schemeOf(text: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(text)?.[0].toLowerCase();
}

function parseUrl(text: string, prefix: boolean): URL | string {
  if (RAW_FORBIDDEN.test(text)) return "holds a backslash or a control character";
  if (!URL.canParse(text)) return "is not a valid URL";
  const url = new URL(text);
  if (prefix && (url.search !== "" || url.hash !== "")) return "has a query or a fragment";
  return url;
}

// The decoded path of a file URL (the platform's form), or why there is none.
function filePath(url: URL, prefix: boolean): string | { why: string } {
  if (url.host !== "") return { why: "names a host" };
  const segments = segmentsOf(url.pathname, prefix);
  if (typeof segments === "string") return { why: segments };
  try {
    // Safe now: no segment decodes to a separator, so this cannot throw
    // for one, and what it decodes is exactly what was checked.
    return fileURLToPath(`file://${url.pathname}`);
  } catch (error) {
    return { why: `is not a file path (${(error as Error).message})` };
  }
}

// A path's segments, each decoded once, or why the path is refused. A
// prefix may end with `/`; a module may not, nor have empty segments.
function segmentsOf(pathname: string, prefix: boolean): string[] | string {
  const raw = pathname.split("/");
  if (raw[0] !== "") return "has a relative path";
  raw.shift();
  if (prefix && raw.at(-1) === "") raw.pop();
  const segments: string[] = [];
  for (const part of raw) {
    const segment = decodeSegment(part);
    if (segment.startsWith("!")) return segment.slice(1);
    segments.push(segment);
  }
  return segments;
}

// A decoded segment, or `!` and why it is refused.
function decodeSegment(part: string): string {
  let segment: string;
  try {
    segment = decodeURIComponent(part);
  } catch {
    return "!holds a malformed escape";
  }
  if (segment === "") return "!has an empty path segment";
  if (segment === "." || segment === "..") return "!has a dot segment";
  // deno-lint-ignore no-control-regex
  if (/[/\\\u0000]/.test(segment)) return "!holds an encoded separator, backslash or NUL";
  if (DOUBLE_ESCAPE.test(segment)) return "!holds a doubly encoded character";
  return segment;
}

// `npm:[/][@scope/]name[@version][/path]`, read from the text as written
// (no URL normalization: Deno resolves these its own way).
function parsePackage(
  text: string,
  scheme: "npm:" | "jsr:",
  prefix: boolean,
): PackageSpec | string {
  if (RAW_FORBIDDEN.test(text)) return "holds a backslash or a control character";
  if (/[?#]/.test(text)) return "has a query or a fragment";
  const parts = text.slice(scheme.length).replace(/^\//, "").split("/");
  let scope: string | undefined;
  if (parts[0]?.startsWith("@")) {
    scope = parts.shift()!;
    if (!PACKAGE_PART.test(scope.slice(1))) return "has an invalid package scope";
    if (prefix && (parts.length === 0 || (parts.length === 1 && parts[0] === ""))) {
      return { scheme, scope, name: undefined, version: undefined, segments: [] };
    }
  }
  const head = parts.shift() ?? "";
  const at = head.indexOf("@");
  const name = at < 0 ? head : head.slice(0, at);
  // `npm:tasks@` as a prefix: any version, as `npm:tasks` is.
  const version = at < 0 || (prefix && at === head.length - 1) ? undefined : head.slice(at + 1);
  if (!PACKAGE_PART.test(name)) return "has an invalid package name";
  if (version !== undefined && !VERSION.test(version)) return "has an invalid package version";
  const segments = parts.length === 0 ? [] : segmentsOf(`/${parts.join("/")}`, prefix);
  if (typeof segments === "string") return segments;
  return { scheme, scope, name, version, segments };
}

function packageWithin(spec: PackageSpec, rule: PackageSpec): boolean {
  if (spec.scheme !== rule.scheme || spec.scope !== rule.scope) return false;
  if (rule.name === undefined) return true;
  if (spec.name !== rule.name) return false;
  if (rule.version !== undefined && spec.version !== rule.version) return false;
  return startsWith(spec.segments, rule.segments);
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= segments.length && prefix.every((s, i) => segments[i] === s);
}

// Whether `path` is `root` or inside it, on a segment boundary.
function within(path: string, root: string): boolean {
  if (path === root) return true;
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}
