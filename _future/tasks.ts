// Copyright 2026 the @concurrent/futures authors. MIT license.
// What can be submitted: a self-contained function, sent by its source, or a
// module export, sent by reference (module URL + export name), the way Python
// pickles a function by module and name.

import type { TaskSpec } from "../_wire/protocol.ts";
import { describe } from "./validate.ts";

/**
 * A reference to a function exported by a module, made by
 * {@linkcode fromModule}. Its type is the function's own signature, so that
 * `submit` and `map` check the arguments and infer the result from it as
 * from an inline function (generic functions included). At run time it is
 * only the module URL and the export name: calling it here throws a
 * `TypeError`, since the function runs only in a worker.
 *
 * @typeParam A The function's parameter types.
 * @typeParam R The function's return type.
 *
 * @example
 * ```ts
 * import type { ModuleTask } from "@concurrent/futures";
 *
 * // What a fromModule() reference holds besides its signature.
 * function where(task: ModuleTask<[n: number], number>): string {
 *   return `${task.module}#${task.name}`;
 * }
 * ```
 */
export interface ModuleTask<A extends unknown[], R> {
  /** Type-level only: a reference runs in a worker; calling it here throws. */
  (...args: A): R;
  /** The module's absolute URL. */
  readonly module: string;
  /** The name of the exported function. */
  readonly name: string;
}

/**
 * What an executor runs: a self-contained function (sent by its source text)
 * or a reference from {@linkcode fromModule} (typed as the function it
 * refers to). One function type, not a union, so that a generic function
 * keeps its type parameters through `submit` and `map`.
 *
 * @typeParam A The parameter types.
 * @typeParam R The return type.
 *
 * @example
 * ```ts
 * import type { Task } from "@concurrent/futures";
 *
 * const square: Task<[number], number> = (x: number) => x * x;
 * ```
 */
export type Task<A extends unknown[], R> = (...args: A) => R;

/**
 * The functions a module exports, as references for an executor: what
 * {@linkcode fromModule} returns for `typeof import("../tasks.ts")`. Each
 * keeps the export's own type, generics included (a conditional `infer`
 * would erase them), so `submit(tasks.first, [1, 2])` is a
 * `Future<number>` for `first<T>(xs: T[]): T`. The values are references,
 * not the functions: see {@linkcode ModuleTask}.
 *
 * @typeParam M The module's type.
 *
 * @example
 * ```ts
 * import { fromModule, type ModuleTasks } from "@concurrent/futures";
 *
 * type Tasks = { add(a: number, b: number): number; version: string };
 * const tasks: ModuleTasks<Tasks> = fromModule<Tasks>("file:///srv/tasks.ts");
 * console.log(tasks.add.name); // "add": only the functions are there
 * ```
 */
export type ModuleTasks<M> = {
  readonly [K in keyof M & string as M[K] extends (...args: never[]) => unknown ? K : never]: M[K];
};

/**
 * Refers to the functions a module exports, so that an executor can run them
 * in a worker thread or process by reference. The worker imports the module
 * once and calls the export: imports, closures and module state work inside
 * it, unlike in an inline function.
 *
 * Nothing is imported here: a missing module or export fails the future of
 * the task that uses it, and the pool stays usable.
 *
 * @typeParam M The module's type, `typeof import("../tasks.ts")`, which gives
 * `submit` its argument and result types.
 * @param url The module's absolute URL, usually
 * `new URL("../tasks.ts", import.meta.url)`.
 * @returns An object whose properties refer to the module's exports.
 * @throws {TypeError} If `url` is not an absolute URL.
 *
 * @example Refer to a module's exports
 * ```ts
 * import { fromModule } from "@concurrent/futures";
 * import assert from "node:assert/strict";
 *
 * const tasks = fromModule<{ fib(n: number): number }>("file:///srv/tasks.ts");
 * assert.equal(tasks.fib.name, "fib");
 * assert.throws(() => tasks.fib(30), TypeError); // it runs only in a worker
 * ```
 */
export function fromModule<M>(url: string | URL): ModuleTasks<M> {
  const module = absoluteUrl(url);
  const cache = new Map<string, ModuleTask<unknown[], unknown>>();
  return new Proxy(Object.create(null), {
    get(_target, key) {
      // Not thenable, not iterable: a bag of references is not a promise.
      // No toJSON either, which JSON.stringify would call (and which threw).
      if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
      let task = cache.get(key);
      if (!task) {
        task = moduleTask(module, key);
        moduleTasks.add(task);
        cache.set(key, task);
      }
      return task;
    },
  });
}

// A function, so that its type can be the export's own signature (a generic
// one is instantiated at a call only from a callable type); calling it here
// is a mistake, said at once.
function moduleTask(module: string, name: string): ModuleTask<unknown[], unknown> {
  const task = function () {
    throw new TypeError(
      `Cannot call ${name} from fromModule(): it runs only in a worker; submit it instead, such as executor.submit(tasks.${name}, ...args)`,
    );
  };
  Object.defineProperty(task, "name", { value: name });
  Object.defineProperty(task, "module", { value: module, enumerable: true });
  return Object.freeze(task) as unknown as ModuleTask<unknown[], unknown>;
}

function absoluteUrl(url: string | URL): string {
  if (url instanceof URL) return url.href;
  if (typeof url === "string") {
    if (URL.canParse(url)) return new URL(url).href;
    throw new TypeError(
      `Cannot refer to module: url must be absolute, such as new URL("../tasks.ts", import.meta.url), received ${
        describe(url)
      }`,
    );
  }
  throw new TypeError(
    `Cannot refer to module: url must be a string or URL, received ${describe(url)}`,
  );
}

const moduleTasks = new WeakSet<object>();

/** A task described for the wire, with a key that identifies it. */
export interface DescribedTask {
  /** Equal for tasks that compile to the same function. */
  readonly key: string;
  readonly spec: TaskSpec;
}

const described = new WeakMap<object, DescribedTask>();

/**
 * Describes a task for sending to a worker, once per function object.
 *
 * @throws {TypeError} For a native, bound or class function, or a value that
 * is neither a function nor a module task.
 */
export function describeTask(task: unknown, action: string): DescribedTask {
  if (
    (typeof task !== "function" && typeof task !== "object") || task === null
  ) {
    throw notATask(task, action);
  }
  const known = described.get(task);
  if (known) return known;
  let result: DescribedTask;
  if (moduleTasks.has(task)) {
    const { module, name } = task as ModuleTask<unknown[], unknown>;
    result = {
      key: `module:${module}#${name}`,
      spec: { kind: "module", module, name },
    };
  } else if (typeof task === "function") {
    const source = Function.prototype.toString.call(task);
    checkSource(source, task, action);
    const name = bindableName(task);
    const key = sourceKey(source, task.name);
    result = name === undefined
      ? { key, spec: { kind: "source", source } }
      : { key, spec: { kind: "source", source, name } };
  } else {
    throw notATask(task, action);
  }
  described.set(task, result);
  return result;
}

/**
 * The key of an inline task: equal for functions that compile to the same
 * function in a worker (the same source, known by the same name). Cheap,
 * since a pool computes it for every submit of a fresh closure.
 */
export function sourceKey(source: string, fnName: string): string {
  return fnName === "" ? source : `${fnName}\u0000${source}`;
}

// Words that cannot name a const, and names that are not the function's own
// ("default" for `export default function`, "anonymous" for new Function).
const UNBINDABLE = new Set(
  ("break case catch class const continue debugger default delete do else enum export " +
    "extends false finally for function if import in instanceof new null return super " +
    "switch this throw true try typeof var void while with yield let static implements " +
    "interface package private protected public await arguments eval anonymous").split(" "),
);

// The name a function can be bound to in a worker, if it has a usable one.
function bindableName(fn: { name: unknown }): string | undefined {
  const name = fn.name;
  if (typeof name !== "string" || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  return UNBINDABLE.has(name) ? undefined : name;
}

/** Tells whether `task` is a reference made by {@linkcode fromModule}. */
export function isModuleTask(
  task: unknown,
): task is ModuleTask<unknown[], unknown> {
  return (typeof task === "function" || typeof task === "object") && task !== null &&
    moduleTasks.has(task);
}

function checkSource(
  source: string,
  fn: { name: string },
  action: string,
): void {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    const what = fn.name.startsWith("bound ") ? "a bound function" : "a native function";
    throw new TypeError(
      `Cannot ${action}: ${what} has no source to send to a worker, received ${
        fn.name || "anonymous"
      }; wrap the call in an arrow function such as (a, b) => Math.pow(a, b), or export a function from a module and use fromModule()`,
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(
      `Cannot ${action}: a class cannot be called as a task, received class ${fn.name}; submit a function that constructs it instead`,
    );
  }
}

function notATask(task: unknown, action: string): TypeError {
  return new TypeError(
    `Cannot ${action}: task must be a function or a fromModule() reference, received ${
      describe(task)
    }`,
  );
}
