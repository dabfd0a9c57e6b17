// Node's flags and permission model as a pool's children see them: pure
// functions, so they are tested on every runtime.

import assert from "node:assert/strict";
import { test } from "node:test";
import { childExecArgv } from "../_runtime/node/exec_argv.ts";
import { childNodeOptions } from "../_runtime/node/child.ts";
import { checkNodePermissions, type NodePermission } from "../_runtime/node/permissions.ts";

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
