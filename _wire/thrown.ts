// Copyright 2026 the @concurrent/futures authors. MIT license.
// Errors cross by value: structured clone (and node:v8) keep only a standard
// class, the message and the stack; they drop own properties, subclass names,
// AggregateError.errors, and in Bun even `cause`. So errors travel as plain
// records and are rebuilt on the other side.
//
// Reading an error is user code (getters, proxies), so every read is guarded:
// what cannot be read is left out and named in a note on the message, and
// encoding never throws. Errors met twice (a cause cycle, an AggregateError
// that holds itself) are sent once and referred to by number, so cycles
// arrive as cycles.

/**
 * What a task threw: an Error, rebuilt on the other side from its wire form;
 * a reference to an error already in the same record (`ref`: its number in
 * encoding order); or any other value, passed as it is.
 */
export type Thrown = { error: WireError } | { ref: number } | { value: unknown };

/** An Error as a plain, cloneable record. */
export interface WireError {
  /** The error's `name`, e.g. `"TypeError"` or a subclass's own name. */
  name: string;
  /** The nearest built-in class in its prototype chain, to rebuild it with. */
  base: string;
  message: string;
  /** Left out when the error has none (undefined would slow the codec). */
  stack?: string;
  cause?: Thrown;
  /** `AggregateError.errors`. */
  errors?: Thrown[];
  /** Own enumerable properties other than the above, such as `code`. */
  props: [string, Thrown][];
}

const BUILTINS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const SKIPPED = new Set(["name", "message", "stack", "cause", "errors"]);

/** Tells whether a value is an Error, across realms where possible. */
export function isError(value: unknown): value is Error {
  const isErrorFn = (Error as { isError?: (v: unknown) => boolean }).isError;
  return isErrorFn ? isErrorFn(value) : value instanceof Error;
}

// Not an Error, but thrown like one and not plain data, so it may not clone:
// Bun's ResolveMessage and BuildMessage (a missing module) are such.
function isErrorLike(value: unknown): value is { message: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return false;
  return typeof read(value, "message").value === "string";
}

/** Wraps what was thrown for the wire. Never throws. */
export function toThrown(value: unknown): Thrown {
  return encode(value, new Map());
}

function encode(value: unknown, seen: Map<object, number>): Thrown {
  let guarded: boolean;
  try {
    guarded = isError(value) || isErrorLike(value);
  } catch {
    guarded = false; // a revoked proxy, say: pass it on as it is
  }
  if (!guarded) return { value };
  const error = value as object;
  const ref = seen.get(error);
  if (ref !== undefined) return { ref };
  seen.set(error, seen.size);
  const unread: string[] = [];
  const text = (key: string, fallback: string): string | undefined => {
    const { value, failed } = read(error, key);
    if (failed) unread.push(`${key} (${failed})`);
    return value === undefined ? (failed ? fallback : undefined) : String(value);
  };
  const name = text("name", "Error") ?? "Error";
  const wire: WireError = {
    name,
    base: baseName(error),
    message: text("message", "") ?? "",
    props: [],
  };
  const stack = read(error, "stack");
  if (stack.failed) unread.push(`stack (${stack.failed})`);
  else if (typeof stack.value === "string") wire.stack = stack.value;
  if (hasOwn(error, "cause")) {
    const cause = read(error, "cause");
    if (cause.failed) unread.push(`cause (${cause.failed})`);
    else wire.cause = encode(cause.value, seen);
  }
  if (wire.base === "AggregateError") {
    const errors = read(error, "errors");
    if (errors.failed) unread.push(`errors (${errors.failed})`);
    else if (Array.isArray(errors.value)) wire.errors = errors.value.map((e) => encode(e, seen));
  }
  for (const key of ownKeys(error, unread)) {
    if (SKIPPED.has(key)) continue;
    const prop = read(error, key);
    if (prop.failed) unread.push(`${key} (${prop.failed})`);
    // Methods and symbols cannot cross; the data can.
    else if (typeof prop.value !== "function" && typeof prop.value !== "symbol") {
      wire.props.push([key, encode(prop.value, seen)]);
    }
  }
  if (unread.length > 0) {
    wire.message += `${wire.message ? " " : ""}[could not read: ${unread.join("; ")}]`;
  }
  return { error: wire };
}

function read(object: object, key: string): { value?: unknown; failed?: string } {
  try {
    return { value: (object as Record<string, unknown>)[key] };
  } catch (error) {
    return { failed: describeFailure(error) };
  }
}

function ownKeys(object: object, unread: string[]): string[] {
  try {
    return Object.keys(object);
  } catch (error) {
    unread.push(`its properties (${describeFailure(error)})`);
    return [];
  }
}

function hasOwn(object: object, key: string): boolean {
  try {
    return Object.hasOwn(object, key);
  } catch {
    return false;
  }
}

function describeFailure(error: unknown): string {
  try {
    return isError(error) ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an error that cannot be described";
  }
}

/**
 * What of `thrown` surely crosses when the whole does not: errors keep their
 * name, class, message and stack, their own properties are dropped (noted
 * on the message), and a thrown value that is not an error becomes a
 * `TypeError` that describes it.
 */
export function bareThrown(thrown: Thrown): Thrown {
  if ("ref" in thrown) return thrown;
  if ("value" in thrown) {
    const message = `Cannot send what the task threw back: ${
      describeValue(thrown.value)
    } cannot be cloned`;
    return { error: { name: "TypeError", base: "TypeError", message, props: [] } };
  }
  const { name, base, message, stack, cause, errors, props } = thrown.error;
  const error: WireError = { name, base, message, props: [] };
  if (stack !== undefined) error.stack = stack;
  if (cause) error.cause = bareThrown(cause);
  if (errors) error.errors = errors.map(bareThrown);
  if (props.length > 0) {
    const names = props.map(([key]) => key).join(", ");
    error.message += `${message ? " " : ""}[could not send its properties: ${names}]`;
  }
  return { error };
}

function describeValue(value: unknown): string {
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value !== "object" || value === null) return typeof value;
  try {
    return `an instance of ${Object.getPrototypeOf(value)?.constructor?.name ?? "Object"}`;
  } catch {
    return "an object";
  }
}

/** Tells whether a value has the shape of a {@linkcode Thrown}. */
export function isThrown(value: unknown): value is Thrown {
  if (typeof value !== "object" || value === null) return false;
  if ("value" in value) return true;
  if ("ref" in value) return typeof value.ref === "number";
  const error = (value as { error?: Partial<WireError> }).error;
  return typeof error === "object" && error !== null && typeof error.message === "string" &&
    typeof error.name === "string" && Array.isArray(error.props);
}

/** Rebuilds what was thrown from its wire form. */
export function fromThrown(thrown: Thrown): unknown {
  return decode(thrown, []);
}

function decode(thrown: Thrown, made: Error[]): unknown {
  if ("value" in thrown) return thrown.value;
  if ("ref" in thrown) return made[thrown.ref];
  const wire = thrown.error;
  let error: Error;
  const message = clip(wire.message, MAX_TEXT);
  if (wire.base === "AggregateError") error = new AggregateError([], message);
  else if (wire.base === "DOMException") {
    error = new DOMException(message, clip(wire.name, MAX_NAME));
  } else error = new (BUILTINS[wire.base] ?? Error)(message);
  // Numbered before its parts are rebuilt, so they can refer back to it.
  made.push(error);
  const name = clip(wire.name, MAX_NAME);
  // Enumerable, as the assignment in a subclass's constructor makes it.
  if (error.name !== name) define(error, "name", name, true);
  if (wire.stack !== undefined) define(error, "stack", clip(wire.stack, MAX_TEXT));
  if (wire.cause) define(error, "cause", decode(wire.cause, made));
  if (wire.errors) define(error, "errors", wire.errors.map((e) => decode(e, made)));
  // Defined, never assigned: a key such as `__proto__` stays a plain property.
  // The parts above are not props; a forged record's would replace them.
  for (const [key, value] of wire.props) {
    if (!SKIPPED.has(key)) define(error, key, decode(value, made), true);
  }
  return error;
}

// What a rebuilt error keeps of a text that came over the wire: a record
// written by anyone who can write a results stream may hold megabytes.
const MAX_TEXT = 64 * 1024;
const MAX_NAME = 200;

function clip(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function define(error: Error, key: string, value: unknown, enumerable = false): void {
  // As the engine does it: an own, writable property (non-enumerable but
  // for the error's own data properties).
  Object.defineProperty(error, key, {
    value,
    writable: true,
    enumerable,
    configurable: true,
  });
}

function baseName(error: object): string {
  try {
    if (typeof DOMException === "function" && error instanceof DOMException) {
      return "DOMException";
    }
    if (error instanceof AggregateError) return "AggregateError";
    for (let p = Object.getPrototypeOf(error); p; p = Object.getPrototypeOf(p)) {
      const name = Object.hasOwn(p, "constructor") ? p.constructor?.name : undefined;
      if (name && BUILTINS[name] === p.constructor) return name;
    }
  } catch {
    // A proxy's traps threw: the plain Error class will do.
  }
  return "Error";
}
