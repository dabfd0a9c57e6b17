// An executor nobody can reach any more releases its workers once collected,
// after its pending work (SPEC, "Process lifetime"). Each case runs in its
// own script, where garbage collection can be forced.

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { runScript } from "./_run_script.ts";

const script = new URL("./fixtures/unreachable_script.ts", import.meta.url);
const linuxOnly = { skip: process.platform !== "linux" && "reads /proc" };

for (const kind of ["thread", "process"]) {
  test(
    `an unreachable idle ${kind} pool releases its workers after garbage collection`,
    linuxOnly,
    async () => {
      const { stdout, stderr } = await runScript(script, {
        args: [kind, "idle"],
        denoFlags: ["-A", "--v8-flags=--expose-gc"],
        nodeFlags: ["--expose-gc"],
      });
      assert.deepEqual(JSON.parse(stdout.trim()).released, true, stdout + stderr);
    },
  );

  test(
    `an unreachable ${kind} pool finishes its pending task first, then releases its workers`,
    linuxOnly,
    async () => {
      const { stdout, stderr } = await runScript(script, {
        args: [kind, "pending"],
        denoFlags: ["-A", "--v8-flags=--expose-gc"],
        nodeFlags: ["--expose-gc"],
      });
      assert.deepEqual(JSON.parse(stdout.trim()), {
        idleGone: true,
        stillPending: true,
        result: "finished",
        released: true,
      }, stderr);
    },
  );
}
