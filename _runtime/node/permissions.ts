// Copyright 2026 the @concurrent/futures authors. MIT license.
// Node's permission model (`--permission`; `--experimental-permission`
// before Node 22.13). Under it a thread needs `--allow-worker`, a child
// `--allow-child-process`, and a pool's child also starts a thread of its
// own (its protocol thread), so it needs `--allow-worker` too. A child is
// started with the parent's own flags (exec_argv.ts keeps them), so it
// holds exactly what the parent holds, never more. The checks take the
// model as a parameter, so they are tested on every runtime.

/** The part of `process.permission` used here (absent without the model). */
export interface NodePermission {
  has(scope: string, reference?: string): boolean;
}

// What each pool needs, as the scope `process.permission.has` takes and the
// flag that grants it.
const WORKER: [string, string] = ["worker", "--allow-worker"];
const CHILD: [string, string] = ["child", "--allow-child-process"];

/**
 * Throws unless `permission` (this process's `process.permission`) lets
 * it start a pool's threads (`what` "threads") or children.
 *
 * @throws {Error} Naming every flag that is missing.
 */
export function checkNodePermissions(
  permission: NodePermission | undefined,
  what: "threads" | "child processes",
): void {
  if (permission === undefined) return; // no permission model
  const needed = what === "threads" ? [WORKER] : [CHILD, WORKER];
  const missing = needed.filter(([scope]) => !permission.has(scope)).map(([, flag]) => flag);
  if (missing.length === 0) return;
  const why = what === "threads"
    ? "a thread pool starts node:worker_threads workers"
    : "a process pool starts a child of Node, and each child starts a thread of its own";
  throw new Error(
    `Cannot start ${what} under Node's permission model: run with ${
      missing.join(" ")
    } beside --permission; ${why}`,
  );
}
