// The package as Node users get it: `npx jsr add @concurrent/futures`
// installs JSR's npm layer (built here by .tools/build_npm_layout.ts) and
// Node runs the user's program with it, on each supported Node line: 22 (the
// oldest), 24 (the pinned one, this run's) and 26 (the newest), installed by
// .tools/ensure.mjs from npm's `node` package. Each program is the user's
// program of install_test.ts (fixtures/install/): an ES module in
// TypeScript, the same as CommonJS, and with a TypeScript task module. They
// run from another folder and must report, and exit, by themselves.

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { runtime } from "../_runtime/runtime.ts";
import {
  EXPECTED_REPORT,
  installNpmLayout,
  REPO,
  reports,
  run,
  tempDir,
  writeApp,
} from "./_install.ts";

// Deno and Bun run their own installs (install_test.ts); these spawn Node.
const nodeOnly = { skip: runtime !== "node" && "a Node install (the Node run)" };
const both = { process: EXPECTED_REPORT, thread: EXPECTED_REPORT };

/** Each Node line and its binary, as .tools/ensure.mjs installs them. */
const NODES: [line: string, binary: string][] = [
  ["22", join(REPO, ".tools/nodes/node_modules/node22/bin/node")],
  ["24", join(REPO, ".tools/node_modules/node/bin/node")],
  ["26", join(REPO, ".tools/nodes/node_modules/node26/bin/node")],
];

function nodeBinary(line: string, binary: string): string {
  assert.ok(existsSync(binary), `Node ${line} is missing: run node .tools/ensure.mjs (${binary})`);
  return binary;
}

// Runs `program` (a file of `app`) with each Node line from another folder.
async function runOnEachNode(t: TestContext, app: string, program: string): Promise<void> {
  for (const [line, binary] of NODES) {
    await t.test(`Node ${line}: ${program}`, async () => {
      using cwd = tempDir("cwd");
      const outcome = await run(nodeBinary(line, binary), [join(app, program)], {
        cwd: cwd.path,
      });
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.deepEqual(reports(outcome.stdout), both);
    });
  }
}

// The user's app.ts with its task module in TypeScript (tasks.ts, annotated):
// Node strips its types in the threads and children that import it.
function writeTypeScriptTasks(app: string): void {
  const js = readFileSync(join(app, "tasks.js"), "utf8");
  const ts = js
    .replace("export function fib(n) {", "export function fib(n: number): number {")
    .replace("export function imports() {", "export function imports(): string {");
  assert.notEqual(ts, js);
  writeFileSync(join(app, "tasks.ts"), ts);
  const main = readFileSync(join(app, "app.ts"), "utf8").replaceAll("./tasks.js", "./tasks.ts");
  writeFileSync(join(app, "app_ts_tasks.ts"), main);
}

test(
  "Node 22, 24 and 26: through JSR's npm layer (jsr layout), an ES module program, a CommonJS one and a TypeScript task module",
  nodeOnly,
  async (t) => {
    using app = tempDir("node-npm-jsr");
    writeApp(app.path, "@concurrent/futures");
    await installNpmLayout(app.path, "jsr");
    writeTypeScriptTasks(app.path);
    await runOnEachNode(t, app.path, "app.ts");
    // require() of the package: an ES module graph without top-level await.
    await runOnEachNode(t, app.path, "app.cjs");
    await runOnEachNode(t, app.path, "app_ts_tasks.ts");
  },
);

test(
  "Node 22, 24 and 26: through JSR's npm layer (dist layout), an ES module program",
  nodeOnly,
  async (t) => {
    using app = tempDir("node-npm-dist");
    writeApp(app.path, "@concurrent/futures");
    await installNpmLayout(app.path, "dist");
    await runOnEachNode(t, app.path, "app.ts");
  },
);
