// Reading the traces tests/fixtures/redis_tasks.ts leaves: which tasks ran,
// how often, and in which process.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromModule } from "../future.ts";
import { waitFor } from "./_run_script.ts";

/** The tasks, by reference. */
export const tasks = fromModule<typeof import("./fixtures/redis_tasks.ts")>(
  new URL("./fixtures/redis_tasks.ts", import.meta.url),
);

/** Where tasks leave their traces; disposing it removes them. */
export interface RunLog extends Disposable {
  readonly dir: string;
  /** How many times each `mark` id ran, over every process. */
  marks(): Map<number, number>;
  /** The pids that ran `hold` task `name`, in no particular order. */
  holders(name: string): number[];
  /** Resolves with the pids once `hold` task `name` has run `count` times. */
  held(name: string, count?: number): Promise<number[]>;
}

/** Makes a fresh trace directory. */
export function runLog(): RunLog {
  const dir = mkdtempSync(join(tmpdir(), "redis-runs-"));
  const holders = (name: string) =>
    readdirSync(dir).filter((f) => f.startsWith(`${name}.`)).map((f) =>
      Number(f.slice(name.length + 1))
    );
  return {
    dir,
    marks() {
      const counts = new Map<number, number>();
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".log"))) {
        for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
          if (line !== "") counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
        }
      }
      return counts;
    },
    holders,
    async held(name, count = 1) {
      if (!(await waitFor(() => holders(name).length >= count, 20_000))) {
        throw new Error(`Task ${name} did not run ${count} times within 20 s`);
      }
      return holders(name);
    },
    [Symbol.dispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls an async condition (a state in Redis, say) until it holds, for up to `limitMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 20_000,
): Promise<void> {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!(await check())) throw new Error(`Timed out waiting until ${what}`);
}

// What the code under test writes with console.error while `run` runs.
export async function stderrOf(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...data: unknown[]) => lines.push(data.map(String).join(" "));
  try {
    await run();
  } finally {
    console.error = original;
  }
  return lines;
}
