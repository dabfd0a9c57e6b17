// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's function table: one id per distinct task function, so a worker
// is sent each function's definition once (dispatch sends a definition with
// the first task of it that a worker gets), and the task modules submitted
// so far (a Deno child is started with read access to them).

import { type DescribedTask, describeTask, sourceKey } from "../_future/tasks.ts";
import type { TaskSpec } from "../_wire/protocol.ts";

/** The functions a pool was given, by id. */
export class Functions {
  readonly #ids = new Map<string, number>();
  readonly #specs: TaskSpec[] = [];
  readonly #modules = new Set<string>();
  readonly #onModule: (module: string) => void;
  #last = { source: "", name: "", id: -1 };

  /** `onModule` hears of each task module the first time it is submitted. */
  constructor(onModule: (module: string) => void) {
    this.#onModule = onModule;
  }

  /**
   * The id of `task` (a function or a `fromModule` reference); throws a
   * TypeError for something that cannot be a task.
   */
  idOf(task: unknown): number {
    // Inline tasks are usually fresh closures (`submit((x) => x + 1, i)` in
    // a loop), so look them up by source before describing them anew.
    if (typeof task === "function") {
      const source = Function.prototype.toString.call(task);
      // The same function as last time (a loop of submits): no hashing.
      if (source === this.#last.source && task.name === this.#last.name) return this.#last.id;
      const id = this.#ids.get(sourceKey(source, task.name));
      if (id !== undefined) {
        this.#last = { source, name: task.name, id };
        return id;
      }
    }
    return this.add(describeTask(task, "submit task"));
  }

  /** The id of a described task, made on first sight. */
  add(task: DescribedTask): number {
    let id = this.#ids.get(task.key);
    if (id === undefined) {
      id = this.#specs.push(task.spec) - 1;
      this.#ids.set(task.key, id);
      if (task.spec.kind === "module" && !this.#modules.has(task.spec.module)) {
        this.#modules.add(task.spec.module);
        this.#onModule(task.spec.module);
      }
    }
    return id;
  }

  /** The definition a worker needs to run function `id`. */
  spec(id: number): TaskSpec {
    return this.#specs[id]!;
  }

  /** The task modules submitted so far, in order. */
  modules(): string[] {
    return [...this.#modules];
  }
}
