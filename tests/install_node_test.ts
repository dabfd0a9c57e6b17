// The package as Node users get it: `npx jsr add @concurrent/futures`
// installs JSR's npm layer (built here by .tools/build_npm_layout.ts) and
// Node runs the user's program with it, on each supported Node line: 22 (the
// oldest), 24 (the pinned one, this run's) and 26 (the newest), installed by
// `.tools/ensure.mjs --test-nodes` (test.sh runs it) from npm's `node`
// package. Each program is the user's program of install_test.ts
// (fixtures/install/): an ES module in TypeScript, the same as CommonJS, and
// with a TypeScript task module. They run from another folder and must
// report, and exit, by themselves. Last, a single-executable application.

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test, type TestContext } from "node:test";
import { runtime } from "../_runtime/runtime.ts";
import { WORKER_ARG } from "../_wire/worker_mark.ts";
import {
  EXPECTED_REPORT,
  installNpmLayout,
  REPO,
  reports,
  run,
  runInOwnGroup,
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
  assert.ok(
    existsSync(binary),
    `Node ${line} is missing: run node .tools/ensure.mjs --test-nodes (${binary})`,
  );
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

// A single-executable application's process.execPath is the program: a
// process pool there would start the program again and again.
const SEA_APP = `import { ProcessPoolExecutor, ThreadPoolExecutor } from "@concurrent/futures";

const threads = new ThreadPoolExecutor({ maxWorkers: 2 });
console.log("thread " + await threads.submit((x: number) => x * 2, 21).result());
await threads.shutdown();
try {
  new ProcessPoolExecutor({ maxWorkers: 2 });
  console.log("process started");
} catch (error) {
  console.log("process refused: " + (error as Error).message);
}
`;

test(
  "Node 26: a single-executable application (node --build-sea) runs a thread pool, refuses the process pool saying why, and never starts a copy of itself",
  { skip: nodeOnly.skip || (process.platform !== "linux" && "samples /proc") },
  async () => {
    using app = tempDir("node-sea");
    using cwd = tempDir("cwd");
    writeFileSync(join(app.path, "sea.ts"), SEA_APP);
    await installNpmLayout(app.path, "jsr");
    // A SEA's main is one file: the program bundled with the package.
    const bundle = await run("bun", [
      "build",
      "sea.ts",
      "--target=node",
      "--format=esm",
      "--outfile=sea.mjs",
    ], { cwd: app.path });
    assert.equal(bundle.code, 0, bundle.stderr);
    const config = {
      main: "sea.mjs",
      mainFormat: "module",
      output: "sea",
      disableExperimentalSEAWarning: true,
    };
    writeFileSync(join(app.path, "sea-config.json"), JSON.stringify(config));
    const node26 = nodeBinary(...NODES[2]!);
    const built = await run(node26, ["--build-sea", "sea-config.json"], { cwd: app.path });
    assert.equal(built.code, 0, built.stderr);
    const binary = join(app.path, "sea");
    const outcome = await runInOwnGroup(binary, [], { cwd: cwd.path, limitMs: 20_000 });
    assert.equal(outcome.signal, null, `killed: ${outcome.stdout}\n${outcome.stderr}`);
    assert.equal(outcome.code, 0, outcome.stderr);
    const [thread, refused] = outcome.stdout.trim().split("\n");
    assert.equal(thread, "thread 42");
    assert.match(
      refused!,
      /^process refused: Cannot start child processes in a Node single-executable application/,
    );
    assert.equal(outcome.most, 1, `${outcome.most} processes in its group`);
    assert.equal(outcome.left, 0);
    // Started with a pool child's mark by mistake, it exits before the
    // program's own code runs (the fork-bomb guard).
    const copy = await runInOwnGroup(binary, [WORKER_ARG], { cwd: cwd.path, limitMs: 20_000 });
    assert.equal(copy.signal, null, `killed: ${copy.stdout}\n${copy.stderr}`);
    assert.notEqual(copy.code, 0);
    assert.equal(copy.stdout, "");
    assert.equal(copy.most, 1);
  },
);
