// Copyright 2026 the @concurrent/futures authors. MIT license.
// Turns a URL and an options object into one checked connection config, so
// the client never sees a half-valid setting. A URL carries a password, so
// no message here ever repeats one.

import type { RespValue } from "./resp.ts";

/**
 * Certificates and checks for a TLS connection (`rediss://`).
 *
 * @example Trust a private certificate authority
 * ```ts
 * import type { RedisTlsOptions } from "@concurrent/futures/redis";
 *
 * const tls: RedisTlsOptions = { ca: "-----BEGIN CERTIFICATE-----\n…", servername: "redis.internal" };
 * ```
 */
export interface RedisTlsOptions {
  /**
   * Certificate authorities to trust, PEM. Needed for a self-signed server.
   * @default {the runtime's root store}
   */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** A client certificate, PEM, for servers that ask for one. @default {none} */
  cert?: string | Uint8Array;
  /** The private key of `cert`, PEM. @default {none} */
  key?: string | Uint8Array;
  /** The name to verify the certificate against. @default {the host} */
  servername?: string;
  /** Whether a certificate that does not verify is refused. @default {true} */
  rejectUnauthorized?: boolean;
}

/** Something that happened to a client's connection, for logs and metrics. */
export type RedisClientEvent =
  | { type: "connect"; address: string }
  | { type: "disconnect"; address: string; error: Error }
  | { type: "reconnecting"; address: string; attempt: number; delay: number; error: Error }
  | { type: "push"; data: RespValue[] };

/** Where and how a {@linkcode RedisClient} connects. Explicit fields win over `url`. */
export interface RedisClientOptions {
  /**
   * `redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS, or
   * `unix:///path/to/redis.sock[?db=N&username=U&password=P]`.
   * @default {"redis://localhost:6379/0"}
   */
  url?: string;
  /** The host name or IP address. @default {"localhost"} */
  host?: string;
  /** The TCP port. @default {6379} */
  port?: number;
  /** A unix socket path; when set, `host` and `port` are ignored. @default {none} */
  path?: string;
  /** Use TLS, with these options when an object. @default {false; true for rediss://} */
  tls?: boolean | RedisTlsOptions;
  /** The ACL user; needs `password`. @default {"default"} */
  username?: string;
  /** The password (`AUTH`); with `username`, an ACL login. @default {none} */
  password?: string;
  /** The database number to `SELECT`. @default {0} */
  db?: number;
  /** The reply protocol: 3 sends `HELLO 3` and gets maps, sets, doubles. @default {2} */
  protocol?: 2 | 3;
  /** A connection name (`CLIENT SETNAME`) shown by `CLIENT LIST`. @default {none} */
  name?: string;
  /** Milliseconds one connection attempt (TCP, TLS, AUTH) may take. @default {10000} */
  connectTimeout?: number;
  /** Whether a dropped connection is opened again. @default {true} */
  reconnect?: boolean;
  /** The first reconnect delay in milliseconds; it doubles per failed attempt. @default {50} */
  minReconnectDelay?: number;
  /** The cap on the reconnect delay, in milliseconds. @default {5000} */
  maxReconnectDelay?: number;
  /**
   * Milliseconds a command waits for a connection before it fails with a
   * {@linkcode RedisConnectionError} (`sent: false`).
   * @default {10000}
   */
  offlineTimeout?: number;
  /** Commands allowed to wait for a connection at once; more fail at once. @default {100000} */
  maxOfflineCommands?: number;
  /** Receives connection events; it must not throw. @default {none} */
  onEvent?: (event: RedisClientEvent) => void;
}

/**
 * A checked, complete connection config: each option of
 * {@linkcode RedisClientOptions} with its default applied, TLS options
 * resolved, and the `address` (`host:port` or socket path) messages name.
 */
export type RedisConfig =
  & Required<
    Omit<RedisClientOptions, "url" | "tls" | "path" | "username" | "password" | "name" | "onEvent">
  >
  & {
    [K in "path" | "username" | "password" | "name" | "onEvent"]: RedisClientOptions[K] | undefined;
  }
  & { tls: RedisTlsOptions | undefined; address: string };

type UrlFields =
  & Pick<RedisClientOptions, "host" | "port" | "path" | "username" | "password" | "db">
  & {
    tls?: boolean;
  };

// Shows a URL without any part of its userinfo, for error messages: all
// before the last `@` (a password may hold `/`, `:` or `@`, and the URL
// may have no scheme or not parse) and the query (a unix socket's
// `?username=…&password=…`; there first, as its values may hold `@`).
function redact(url: string): string {
  let out = /^unix:/i.test(url) ? withoutQuery(url) : url;
  const at = out.lastIndexOf("@");
  if (at >= 0) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out)?.[0].length ?? 0;
    const start = scheme <= at ? scheme : 0;
    out = `${out.slice(0, start)}***${out.slice(at)}`;
  }
  return withoutQuery(out);
}

function withoutQuery(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?***`;
}

function parseDb(text: string, url: string): number {
  if (!/^\d+$/.test(text)) {
    throw new TypeError(
      `Cannot parse Redis URL: the database must be a number, received "${text}" in ${redact(url)}`,
    );
  }
  return Number(text);
}

// Reads a Redis URL into connection fields; a TypeError for anything it
// cannot read.
function parseRedisUrl(url: string): UrlFields {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Cannot parse Redis URL: ${redact(url)} is not a valid URL`);
  }
  const fields: UrlFields = {};
  if (parsed.protocol === "unix:") {
    if (parsed.pathname === "" || parsed.pathname === "/") {
      throw new TypeError(`Cannot parse Redis URL: ${redact(url)} names no socket path`);
    }
    fields.path = decodeURIComponent(parsed.pathname);
    for (const [key, value] of parsed.searchParams) {
      if (key === "db") fields.db = parseDb(value, url);
      else if (key === "username") fields.username = value;
      else if (key === "password") fields.password = value;
      else {
        // A key is shown only when no credential is near: `password=a&b`
        // makes `b` a key.
        const which = /(username|password)=/i.test(url) ? "a parameter" : `"${key}"`;
        throw new TypeError(`Cannot parse Redis URL: unknown parameter ${which} in ${redact(url)}`);
      }
    }
    return fields;
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    // Without `//`, what parses as a scheme can be a user name (`user:pw@host`).
    const scheme = url.toLowerCase().startsWith(`${parsed.protocol}//`) ? parsed.protocol : "none";
    throw new TypeError(
      `Cannot parse Redis URL: the scheme must be redis:, rediss: or unix:, received ${scheme} in ${
        redact(url)
      }`,
    );
  }
  // `redis://u:123/x@host` parses as host `u`, port 123: the `@` left in
  // the path says that a password held a character it had to encode.
  if (/@/.test(parsed.pathname + parsed.search + parsed.hash)) {
    throw new TypeError(
      `Cannot parse Redis URL: percent-encode "/", "?", "#" and "@" in a user name or password, in ${
        redact(url)
      }`,
    );
  }
  if (parsed.search !== "") {
    throw new TypeError(
      `Cannot parse Redis URL: query parameters are not supported in ${redact(url)}`,
    );
  }
  fields.tls = parsed.protocol === "rediss:";
  if (parsed.hostname !== "") fields.host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (parsed.port !== "") fields.port = Number(parsed.port);
  if (parsed.username !== "") fields.username = decodeURIComponent(parsed.username);
  if (parsed.password !== "") fields.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "") fields.db = parseDb(db, url);
  return fields;
}

function check(
  name: string,
  value: number,
  ok: (n: number) => boolean,
  wanted: string,
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create Redis client: ${name} must be a number, received ${typeof value}`,
    );
  }
  if (!ok(value)) {
    throw new RangeError(
      `Cannot create Redis client: ${name} must be ${wanted}, received ${value}`,
    );
  }
  return value;
}

const positive = (n: number) => n > 0 && n <= 2 ** 31 - 1; // the timer limit
const count = (n: number) => Number.isInteger(n) && n >= 0;

function checkString(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  throw new TypeError(
    `Cannot create Redis client: ${name} must be a string, received ${typeof value}`,
  );
}

/**
 * Merges a URL or options object into a complete config.
 *
 * @throws {TypeError} For a bad URL or a field of the wrong type.
 * @throws {RangeError} For a port, database or delay out of range.
 */
export function resolveConfig(input: string | RedisClientOptions): RedisConfig {
  const options: RedisClientOptions = typeof input === "string" ? { url: input } : input;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create Redis client: options must be a URL or an object, received ${options}`,
    );
  }
  const url = checkString("url", options.url);
  const fromUrl = url === undefined ? {} : parseRedisUrl(url);
  const merged = { ...fromUrl, ...withoutUndefined(options) };
  const path = checkString("path", merged.path);
  const host = checkString("host", merged.host) ?? "localhost";
  const port = check(
    "port",
    merged.port ?? 6379,
    (n) => Number.isInteger(n) && n > 0 && n < 65536,
    "an integer from 1 to 65535",
  );
  const username = checkString("username", merged.username);
  const password = checkString("password", merged.password);
  if (username !== undefined && password === undefined) {
    throw new TypeError("Cannot create Redis client: a username needs a password");
  }
  const tls = merged.tls === true
    ? {}
    : merged.tls === false || merged.tls === undefined
    ? undefined
    : merged.tls;
  if (tls !== undefined && typeof tls !== "object") {
    throw new TypeError(
      `Cannot create Redis client: tls must be a boolean or an object, received ${typeof tls}`,
    );
  }
  if (merged.protocol !== undefined && merged.protocol !== 2 && merged.protocol !== 3) {
    throw new RangeError(
      `Cannot create Redis client: protocol must be 2 or 3, received ${merged.protocol}`,
    );
  }
  if (merged.reconnect !== undefined && typeof merged.reconnect !== "boolean") {
    throw new TypeError(
      `Cannot create Redis client: reconnect must be a boolean, received ${typeof merged
        .reconnect}`,
    );
  }
  if (merged.onEvent !== undefined && typeof merged.onEvent !== "function") {
    throw new TypeError(
      `Cannot create Redis client: onEvent must be a function, received ${typeof merged.onEvent}`,
    );
  }
  const minReconnectDelay = check(
    "minReconnectDelay",
    merged.minReconnectDelay ?? 50,
    positive,
    "a positive number of milliseconds",
  );
  return {
    host,
    port,
    path,
    tls,
    username,
    password,
    db: check("db", merged.db ?? 0, count, "a non-negative integer"),
    protocol: merged.protocol ?? 2,
    name: checkString("name", merged.name),
    connectTimeout: check(
      "connectTimeout",
      merged.connectTimeout ?? 10_000,
      positive,
      "a positive number of milliseconds",
    ),
    reconnect: merged.reconnect ?? true,
    minReconnectDelay,
    maxReconnectDelay: check(
      "maxReconnectDelay",
      merged.maxReconnectDelay ?? 5_000,
      (n) => positive(n) && n >= minReconnectDelay,
      "at least minReconnectDelay",
    ),
    offlineTimeout: check(
      "offlineTimeout",
      merged.offlineTimeout ?? 10_000,
      positive,
      "a positive number of milliseconds",
    ),
    maxOfflineCommands: check(
      "maxOfflineCommands",
      merged.maxOfflineCommands ?? 100_000,
      count,
      "a non-negative integer",
    ),
    onEvent: merged.onEvent,
    address: path ?? (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`),
  };
}

// `{ port: undefined }` should mean "not given", not "override the URL's port".
function withoutUndefined(options: RedisClientOptions): RedisClientOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
