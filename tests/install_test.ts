// The package as users get it, not as a checkout: imported over http (what
// Deno does with jsr:), through JSR's registry and npm layer, bundled and
// compiled. Each case runs the same user program (fixtures/install/app.ts)
// from another folder, with both pools, and checks its report, its exit
// and, for Deno, that children print nothing of their own.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { runtime } from "../_runtime/runtime.ts";
import {
  EXPECTED_REPORT,
  installNpmLayout,
  publishedFiles,
  REPO,
  reports,
  run,
  runInOwnGroup,
  servePackage,
  tempDir,
  writeApp,
} from "./_install.ts";

const denoOnly = { skip: runtime !== "deno" && "a Deno install" };
const bunOnly = { skip: runtime !== "bun" && "a Bun install" };
const both = { process: EXPECTED_REPORT, thread: EXPECTED_REPORT };

// What the README tells a Deno user to run with (Quick start). jsr.io is
// one of Deno's default import hosts; the loopback server standing in for
// it is not, hence --allow-import in the http case only.
const README_FLAGS = ["--allow-read=.", "--allow-run", "--allow-env"];

test("the README names the Deno permission lines these tests use", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  assert.ok(readme.includes(`deno run ${README_FLAGS.join(" ")} main.ts`));
});

test("Deno: the package imported over http, with the README's permissions", denoOnly, async () => {
  await using server = await servePackage(await publishedFiles(), {
    "/user/helper.js": 'export const HELPER = "helper";\n',
  });
  using app = tempDir("http-app");
  using denoDir = tempDir("deno-dir");
  // The task module imports a helper that only a child loads first: with a
  // fresh cache it downloads it, and must not say so.
  writeApp(app.path, `${server.url}mod.ts`, `${server.url}user/helper.js`);
  const outcome = await run(process.execPath, [
    "run",
    "--quiet", // the parent's own downloads: the user's choice
    `--allow-import=${server.host}`,
    ...README_FLAGS,
    "app.ts",
  ], { cwd: app.path, env: { DENO_DIR: denoDir.path } });
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.deepEqual(reports(outcome.stdout), both);
  assert.equal(outcome.stderr, "");
});

test(
  "Deno: jsr:@concurrent/futures from a registry, with the README's permissions",
  denoOnly,
  async () => {
    await using server = await servePackage(await publishedFiles());
    using app = tempDir("jsr-app");
    using denoDir = tempDir("deno-dir");
    writeApp(app.path, "jsr:@concurrent/futures");
    const outcome = await run(process.execPath, ["run", "--quiet", ...README_FLAGS, "app.ts"], {
      cwd: app.path,
      env: { DENO_DIR: denoDir.path, JSR_URL: server.url },
    });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(reports(outcome.stdout), both);
    assert.equal(outcome.stderr, "");
  },
);

test(
  "Deno: a checkout through a deno.json import map, run from another folder",
  denoOnly,
  async () => {
    using app = tempDir("map-app");
    using cwd = tempDir("cwd");
    writeApp(app.path, "@concurrent/futures");
    const imports = { "@concurrent/futures": join(REPO, "mod.ts") };
    writeFileSync(join(app.path, "deno.json"), JSON.stringify({ imports }));
    // The task module imports the package: a dynamic import needs read access
    // to every local module it loads, the checkout's too.
    const outcome = await run(process.execPath, [
      "run",
      `--allow-read=${app.path},${REPO}`,
      "--allow-run",
      "--allow-env",
      join(app.path, "app.ts"),
    ], { cwd: cwd.path });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(reports(outcome.stdout), both);
  },
);

for (const layout of ["jsr", "dist"] as const) {
  test(`Bun: through JSR's npm layer (${layout} layout)`, bunOnly, async () => {
    using app = tempDir(`npm-${layout}`);
    using cwd = tempDir("cwd");
    writeApp(app.path, "@concurrent/futures");
    await installNpmLayout(app.path, layout);
    const outcome = await run(process.execPath, [join(app.path, "app.ts")], { cwd: cwd.path });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(reports(outcome.stdout), both);
  });
}

test("Bun: a checkout imported by path", bunOnly, async () => {
  using app = tempDir("path-app");
  using cwd = tempDir("cwd");
  writeApp(app.path, join(REPO, "mod.ts"));
  const outcome = await run(process.execPath, [join(app.path, "app.ts")], { cwd: cwd.path });
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.deepEqual(reports(outcome.stdout), both);
});

// The user's program against JSR's npm layout, built by `bun build` with
// `flags` in its folder.
async function bunBuild(app: string, flags: string[]): Promise<void> {
  writeApp(app, "@concurrent/futures");
  await installNpmLayout(app, "jsr");
  const build = await run(process.execPath, ["build", ...flags], { cwd: app });
  assert.equal(build.code, 0, build.stderr);
}

test("Bun: bun build --target=bun, the bundle run from another folder", bunOnly, async () => {
  using app = tempDir("bundle-app");
  using cwd = tempDir("cwd");
  // The task module is an entry point of its own: fromModule finds it
  // beside the bundle, where app.ts's new URL("./tasks.js") points.
  await bunBuild(app.path, ["app.ts", "tasks.js", "--target=bun", "--outdir=out"]);
  const outcome = await run(process.execPath, [join(app.path, "out/app.js")], { cwd: cwd.path });
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.deepEqual(reports(outcome.stdout), both);
});

test(
  "Bun: bun build --compile runs both pools, and its process group never holds more than 1 + maxWorkers processes",
  { skip: bunOnly.skip || (process.platform !== "linux" && "samples /proc") },
  async () => {
    using app = tempDir("compiled-app");
    using cwd = tempDir("cwd");
    // tasks.js is built in: a thread imports it, a child is sent its text.
    await bunBuild(app.path, ["--compile", "app.ts", "tasks.js", "--outfile=app"]);
    // A binary that spawned copies of itself would grow its group without
    // end: it is killed after 20 s, whatever it does.
    const outcome = await runInOwnGroup(join(app.path, "app"), [], {
      cwd: cwd.path,
      limitMs: 20_000,
    });
    assert.equal(outcome.signal, null, `killed: ${outcome.stdout}\n${outcome.stderr}`);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(reports(outcome.stdout), both);
    assert.ok(outcome.most >= 2, `no child seen: ${outcome.most}`);
    assert.ok(outcome.most <= 1 + 2, `${outcome.most} processes (maxWorkers is 2)`);
    assert.equal(outcome.left, 0);
  },
);
