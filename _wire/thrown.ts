// Copyright 2026 the @concurrent/futures authors. MIT license.
// Errors cross by value: structured clone (and node:v8) keep only a standard
// class, the message and the stack; they drop own properties, subclass names,
// AggregateError.errors, and in Bun even `cause`. So errors travel as plain
// records and are rebuilt on the other side.

/**
 * What a task threw: an Error, rebuilt on the other side from its wire form,
 * or any other value, passed as it is.
 */
export type Thrown = { error: WireError } | { value: unknown };

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

/** Wraps what was thrown for the wire. */
export function toThrown(value: unknown, seen = new Set<unknown>()): Thrown {
  if (!isError(value)) return { value };
  if (seen.has(value)) return { value: "[Circular error]" };
  seen.add(value);
  const error: WireError = {
    name: String(value.name),
    base: baseName(value),
    message: String(value.message),
    props: [],
  };
  if (typeof value.stack === "string") error.stack = value.stack;
  if (Object.hasOwn(value, "cause")) error.cause = toThrown(value.cause, seen);
  if (value instanceof AggregateError && Array.isArray(value.errors)) {
    error.errors = value.errors.map((e: unknown) => toThrown(e, seen));
  }
  for (const key of Object.keys(value)) {
    if (SKIPPED.has(key)) continue;
    const prop = (value as unknown as Record<string, unknown>)[key];
    // Methods and symbols cannot cross; the data can.
    if (typeof prop === "function" || typeof prop === "symbol") continue;
    error.props.push([key, toThrown(prop, seen)]);
  }
  return { error };
}

/** Tells whether a value has the shape of a {@linkcode Thrown}. */
export function isThrown(value: unknown): value is Thrown {
  if (typeof value !== "object" || value === null) return false;
  if ("value" in value) return true;
  const error = (value as { error?: Partial<WireError> }).error;
  return typeof error === "object" && error !== null && typeof error.message === "string" &&
    typeof error.name === "string" && Array.isArray(error.props);
}

/** Rebuilds what was thrown from its wire form. */
export function fromThrown(thrown: Thrown): unknown {
  return "error" in thrown ? fromWire(thrown.error) : thrown.value;
}

function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.base === "AggregateError") {
    error = new AggregateError(
      (wire.errors ?? []).map(fromThrown),
      wire.message,
    );
  } else if (wire.base === "DOMException") {
    error = new DOMException(wire.message, wire.name);
  } else {
    error = new (BUILTINS[wire.base] ?? Error)(wire.message);
  }
  if (error.name !== wire.name) error.name = wire.name;
  if (wire.stack !== undefined) define(error, "stack", wire.stack);
  if (wire.cause) define(error, "cause", fromThrown(wire.cause));
  for (const [key, value] of wire.props) {
    (error as unknown as Record<string, unknown>)[key] = fromThrown(value);
  }
  return error;
}

function define(error: Error, key: string, value: unknown): void {
  // As the engine does it: an own, writable, non-enumerable property.
  Object.defineProperty(error, key, {
    value,
    writable: true,
    configurable: true,
  });
}

function baseName(error: Error): string {
  if (typeof DOMException === "function" && error instanceof DOMException) {
    return "DOMException";
  }
  if (error instanceof AggregateError) return "AggregateError";
  for (let p = Object.getPrototypeOf(error); p; p = Object.getPrototypeOf(p)) {
    const name = Object.hasOwn(p, "constructor") ? p.constructor?.name : undefined;
    if (name && BUILTINS[name] === p.constructor) return name;
  }
  return "Error";
}
