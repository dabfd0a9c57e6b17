// Copyright 2026 the @concurrent/futures authors. MIT license.
// One message style for bad input, as in std: "Cannot <action>: <rule>,
// received <value>". A wrong type is a TypeError, a value out of range a
// RangeError.

/** The largest delay `setTimeout` honours; longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Describes a received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") {
    return value.name ? `function ${value.name}` : "an anonymous function";
  }
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name && name !== "Object" ? `an instance of ${name}` : "an object";
}

/**
 * Checks an optional duration in milliseconds named `name`: `undefined`, or
 * a number ≥ 0 (> 0 when `above0`); `Infinity` passes, for callers to read
 * as "never".
 */
export function checkMilliseconds(
  value: unknown,
  name: string,
  action: string,
  above0 = false,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a number of milliseconds, received ${describe(value)}`,
    );
  }
  if (Number.isNaN(value) || value < 0 || (above0 && value === 0)) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a number of milliseconds ${
        above0 ? ">" : ">="
      } 0, received ${value}`,
    );
  }
  return value;
}

/**
 * Checks an optional timeout in milliseconds: `undefined` (wait forever) or a
 * number ≥ 0; `Infinity` also waits forever.
 */
export function checkTimeout(
  value: unknown,
  action: string,
): number | undefined {
  const ms = checkMilliseconds(value, "timeout", action);
  return ms === Infinity ? undefined : ms;
}

/** Checks an optional positive integer option such as `maxWorkers`. */
export function checkPositiveInteger(
  value: unknown,
  name: string,
  action: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a positive integer, received ${describe(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a positive integer, received ${value}`,
    );
  }
  return value;
}

/**
 * Checks that an optional options argument is an object and, given `known`,
 * refuses any other key, as Python refuses an unknown keyword: a misspelt
 * option (`chunkSize`, `cancel_futures`) would otherwise be ignored.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  action: string,
  known?: readonly string[],
): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${describe(value)}`,
    );
  }
  const unknown = known && Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new TypeError(
      `Cannot ${action}: unknown option ${JSON.stringify(unknown)}, expected one of ${
        known!.join(", ")
      }`,
    );
  }
  return value;
}

/** Checks an optional boolean option. */
export function checkBoolean(
  value: unknown,
  name: string,
  action: string,
): boolean | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  throw new TypeError(
    `Cannot ${action}: ${name} must be a boolean, received ${describe(value)}`,
  );
}

/** Checks that a callback is a function. */
export function checkFunction(
  value: unknown,
  name: string,
  action: string,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a function, received ${describe(value)}`,
    );
  }
}

/** Starts a timer that never outlives `MAX_TIMER_MS` wrap-around. */
export function startTimer(
  ms: number,
  fire: () => void,
): ReturnType<typeof setTimeout> | undefined {
  // A delay past 2^31-1 ms would fire at once; such a wait is forever here.
  return ms > MAX_TIMER_MS ? undefined : setTimeout(fire, ms);
}
