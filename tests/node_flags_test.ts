// Node's flags and permission model as a pool's children see them: the pure
// functions on every runtime, then whole programs under Node's own flags.

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { childExecArgv } from "../_runtime/node/exec_argv.ts";
import { childNodeOptions } from "../_runtime/node/child.ts";
import { checkNodePermissions, type NodePermission } from "../_runtime/node/permissions.ts";
import { checkNodeVersion } from "../_runtime/node/adapter.ts";
import { runtime } from "../_runtime/runtime.ts";
import { runCommand } from "./_run_script.ts";

test("a Node child gets the parent's flags that change how code loads or runs", () => {
  const kept = [
    "--import",
    "tsx",
    "--require=./setup.cjs",
    "-r",
    "./other.cjs",
    "--conditions=development",
    "-C",
    "worker",
    "--experimental-vm-modules",
    "--env-file=.env",
    "--stack-size=2000",
    "--max-old-space-size=512",
    "--enable-source-maps",
    "--no-warnings",
    "--permission",
    "--allow-fs-read=/app",
    "--allow-child-process",
    "--allow-worker",
  ];
  assert.deepEqual(childExecArgv(kept), kept);
});

test("a Node child never gets a debugger port, a watcher, a test runner or the parent's entry", () => {
  assert.deepEqual(
    childExecArgv([
      "--inspect",
      "--inspect=127.0.0.1:9229",
      "--inspect-brk=0",
      "--inspect-wait",
      "--inspect-port",
      "9230",
      "--import",
      "tsx",
      "--watch",
      "--watch-path",
      "./src",
      "--watch-preserve-output",
      "--test",
      "--test-reporter",
      "dot",
      "--test-only",
      "--experimental-test-coverage",
      "--input-type=module",
      "-e",
      "console.log(1)",
      "--stack-size=900",
      "-p",
      "1 + 1",
      "--check",
    ]),
    ["--import", "tsx", "--stack-size=900"],
  );
  assert.deepEqual(childExecArgv([]), []);
});

test("a Node child's NODE_OPTIONS loses a debugger port and a watcher, and nothing else", () => {
  assert.equal(childNodeOptions(undefined), undefined);
  assert.equal(childNodeOptions("--max-old-space-size=512 --import tsx"), undefined);
  assert.equal(
    childNodeOptions("--inspect=9229  --import tsx --watch --enable-source-maps"),
    "--import tsx --enable-source-maps",
  );
});

const model = (held: string[]): NodePermission => ({ has: (scope) => held.includes(scope) });

test("without Node's permission model, pools need no flag", () => {
  checkNodePermissions(undefined, "threads");
  checkNodePermissions(undefined, "child processes");
});

test("under Node's permission model, a pool names each flag it lacks", () => {
  checkNodePermissions(model(["worker"]), "threads");
  checkNodePermissions(model(["worker", "child"]), "child processes");
  assert.throws(
    () => checkNodePermissions(model([]), "threads"),
    (error: Error) =>
      error.constructor === Error && /^Cannot start threads/.test(error.message) &&
      /run with --allow-worker beside --permission/.test(error.message),
  );
  assert.throws(
    () => checkNodePermissions(model([]), "child processes"),
    /run with --allow-child-process --allow-worker beside --permission/,
  );
  // The child's own protocol thread needs --allow-worker too.
  assert.throws(
    () => checkNodePermissions(model(["child"]), "child processes"),
    /run with --allow-worker beside/,
  );
});

// Each case below runs a script under the Node flags it is about.
const nodeOnly = { skip: runtime !== "node" && "Node's flags and permission model" };
const SCRIPT = new URL("./fixtures/node_pool_script.ts", import.meta.url).pathname;
// The test's own flags (a loader, type stripping) stay; the rest is the case's.
const READ_ALL = ["--permission", "--allow-fs-read=*"];

async function runWith(flags: string[]) {
  const outcome = await runCommand(process.execPath, [...process.execArgv, ...flags, SCRIPT]);
  assert.equal(outcome.code, 0, outcome.stderr);
  return { report: JSON.parse(outcome.stdout), stderr: outcome.stderr };
}

test("under Node's permission model, each pool names the flag it lacks", nodeOnly, async () => {
  const { report } = await runWith(READ_ALL);
  assert.match(report.thread, /could not start \| cause: Cannot start threads/);
  assert.match(report.thread, /run with --allow-worker beside --permission/);
  assert.match(report.process, /^Cannot start child processes under Node's permission model/);
  assert.match(report.process, /run with --allow-child-process --allow-worker beside/);
  const worker = await runWith([...READ_ALL, "--allow-worker"]);
  assert.equal(worker.report.thread, "thread ran");
  assert.match(worker.report.process, /run with --allow-child-process beside/);
});

test(
  "a Node child holds what its parent holds, no more, and warns nothing of its own",
  nodeOnly,
  async () => {
    const { report, stderr } = await runWith([
      ...READ_ALL,
      "--allow-worker",
      "--allow-child-process",
    ]);
    assert.equal(report.thread, "thread ran");
    assert.deepEqual(report.process.permissions, {
      "fs.read": true,
      "fs.write": false,
      child: true,
      worker: true,
    });
    // Node's SecurityWarning for --allow-* comes from the parent (and its
    // threads, which share its pid), never from a child.
    const warned = /\(node:(\d+)\)[^\n]*SecurityWarning/g;
    const pids = [...stderr.matchAll(warned)].map((match) => Number(match[1]));
    assert.ok(pids.length > 0 && pids.every((pid) => pid === report.pid), stderr);
  },
);

test("a Node child gets the parent's loading flags, never its debugger", nodeOnly, async () => {
  const preload = `data:text/javascript,globalThis.PRELOADED=${encodeURIComponent('"yes"')}`;
  const { report } = await runWith([
    "--inspect=127.0.0.1:0",
    "--import",
    preload,
    "--stack-size=900",
  ]);
  assert.equal(report.process.preloaded, "yes");
  const flags: string[] = report.process.execArgv;
  assert.ok(flags.includes("--import") && flags.includes("--stack-size=900"), String(flags));
  assert.ok(!flags.some((flag) => flag.startsWith("--inspect")), String(flags));
});

test("Node before 22 is refused with the version and what to use, not a ReferenceError", () => {
  for (const old of ["v20.20.2", "v18.0.0"]) {
    assert.throws(() => checkNodeVersion(old, "threads"), {
      name: "Error",
      message:
        `Cannot start threads: Node ${old} is not supported (past its end of life); use Node 22 or later`,
    });
  }
  for (const ok of ["v22.3.0", "v24.21.0", "v26.10.0"]) checkNodeVersion(ok, "child processes");
});
