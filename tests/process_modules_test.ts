// How a pool child loads task modules as a real project has them: with the
// permissions the parent holds (Deno), and with the project's configuration
// (deno.json import map, npm: packages, a package.json and node_modules),
// run from another working directory (issue 18, item 2).

import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkDenoConfig, discover } from "../_runtime/deno/config.ts";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { REPO, run, tempDir } from "./_install.ts";
import { runScript } from "./_run_script.ts";

const denoOnly = { skip: runtime !== "deno" && "Deno permissions and configuration" };
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

async function modulesScript(read: string) {
  const { code, stdout, stderr } = await runScript(
    new URL("./fixtures/process_modules_script.ts", import.meta.url),
    { denoFlags: [read, "--allow-run", "--allow-env"] },
  );
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

test(
  "a Deno child started before a module task was submitted is replaced by one that may load it",
  denoOnly,
  async () => {
    // Partial read access: a child lists what it may read when it starts.
    assert.deepEqual(await modulesScript(`--allow-read=${fixtures}`), {
      replaced: true,
      fib: 55,
      threadFib: 55,
    });
    // Whole read access covers every module: nothing to replace.
    assert.deepEqual(await modulesScript("--allow-read"), {
      replaced: false,
      fib: 55,
      threadFib: 55,
    });
  },
);

test("a Deno child may not load a task module its parent may not read", denoOnly, async () => {
  const { fib, threadFib } = await modulesScript(`--allow-read=${join(fixtures, "projects")}`);
  // The same refusal as the parent's own threads get.
  assert.match(fib, /^TypeError: Requires read access to ".*tasks\.ts"/);
  assert.match(threadFib, /^TypeError: Requires read access to ".*tasks\.ts"/);
});

/** Copies fixture project `name` with main.ts into a temporary folder. */
function project(name: string): { path: string } & Disposable {
  const dir = tempDir(name);
  cpSync(join(fixtures, "projects", name), dir.path, { recursive: true });
  const main = readFileSync(join(fixtures, "projects/main.ts"), "utf8");
  writeFileSync(
    join(dir.path, "main.ts"),
    main.replace('"@concurrent/futures"', JSON.stringify(join(REPO, "mod.ts"))),
  );
  return dir;
}

async function runProject(dir: string, flags: string[] = [], args: string[] = []) {
  using cwd = tempDir("cwd");
  const deno = ["run", `--allow-read=${dir}`, "--allow-run", "--allow-env", ...flags];
  const outcome = await run(
    process.execPath,
    [...(runtime === "deno" ? deno : []), join(dir, "main.ts"), ...args],
    { cwd: cwd.path, limitMs: 60_000 },
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  return Object.fromEntries(
    outcome.stdout.trim().split("\n").map((
      line,
    ) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)]),
  );
}

test(
  "Deno children resolve with the project's deno.json: an import map prefix and an npm: package",
  denoOnly,
  async () => {
    using dir = project("import_map");
    assert.deepEqual(await runProject(dir.path), {
      process: "42 importMap",
      thread: "42 importMap",
    });
    // Without it a child would not know "@/" (the fixture does test that).
    const none = await runProject(dir.path, [], ["none"]);
    assert.match(none.process!, /^TypeError: Import "(@\/consts\.ts|lodash)" not a dependency/);
    assert.equal(none.thread, "42 importMap");
  },
);

test(
  "denoConfig names the config of a program started with --config, which Deno does not tell",
  denoOnly,
  async () => {
    using dir = project("import_map");
    const settings = join(dir.path, "settings.json");
    renameSync(join(dir.path, "deno.json"), settings);
    assert.deepEqual(await runProject(dir.path, [`--config=${settings}`], [settings]), {
      process: "42 importMap",
      thread: "42 importMap",
    });
  },
);

test("children resolve a package.json project's node_modules", async () => {
  using dir = project("node_modules_project");
  const greeting = join(dir.path, "node_modules/greeting");
  mkdirSync(greeting, { recursive: true });
  writeFileSync(
    join(greeting, "package.json"),
    JSON.stringify({ name: "greeting", version: "1.0.0", type: "module", exports: "./index.js" }),
  );
  writeFileSync(join(greeting, "index.js"), "export const greet = (who) => `hello ${who}`;\n");
  assert.deepEqual(await runProject(dir.path), {
    process: "hello node_modules",
    thread: "hello node_modules",
  });
});

test("the config search repeats Deno's: the nearest deno.json above the main module", () => {
  const files = new Set(["/p/deno.jsonc", "/p/app/package.json", "/q/package.json"]);
  const exists = (path: string) => files.has(path);
  const all = () => true;
  assert.deepEqual(discover("file:///p/app/src/main.ts", all, exists), [
    "--config=/p/deno.jsonc",
  ]);
  // Without a deno.json, a package.json means node_modules.
  assert.deepEqual(discover("file:///q/main.ts", all, exists), ["--node-modules-dir=manual"]);
  assert.deepEqual(discover("file:///r/main.ts", all, exists), []);
  // A remote or data: main module gets no config in Deno either.
  assert.deepEqual(discover("https://example.com/main.ts", all, exists), []);
  // The search stops where this process may not read.
  const upTo = (dir: string) => (path: string) => path.startsWith(dir);
  assert.deepEqual(discover("file:///p/app/src/main.ts", upTo("/p/app/"), exists), [
    "--node-modules-dir=manual",
  ]);
  assert.deepEqual(discover("file:///p/app/src/main.ts", upTo("/p/app/src/"), exists), []);
});

test("denoConfig must be a path, a file: URL or false", () => {
  const action = "create ProcessPoolExecutor";
  assert.equal(checkDenoConfig(undefined, action), undefined);
  assert.equal(checkDenoConfig(false, action), false);
  assert.equal(checkDenoConfig("file:///p/deno.json", action), "/p/deno.json");
  assert.equal(checkDenoConfig(new URL("file:///p/deno.json"), action), "/p/deno.json");
  assert.equal(checkDenoConfig("/p/deno.json", action), "/p/deno.json");
  for (const value of [true, 5, "", new URL("https://example.com/deno.json")]) {
    assert.throws(
      () => new ProcessPoolExecutor({ denoConfig: value as string }),
      (error: unknown) =>
        error instanceof TypeError &&
        /^Cannot create ProcessPoolExecutor: denoConfig must be the path or file: URL of a deno\.json, or false, received /
          .test(error.message),
    );
  }
});
