// Startup per worker for the package as users install it, beside the
// checkout, in one run so each figure reads as a ratio to the checkout's:
//
//   deno run -A bench/installed_startup.ts [--rounds N]   checkout, over http, jsr:
//   bun bench/installed_startup.ts [--rounds N]           checkout, npm layouts, bundle, compiled
//
// Each install runs bench/_startup_app.ts in its own process from another
// folder (with a warm module cache: its first run is not counted).

import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { runtime } from "../_runtime/runtime.ts";
import {
  installNpmLayout,
  publishedFiles,
  REPO,
  run,
  servePackage,
  tempDir,
} from "../tests/_install.ts";

const argv = process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 10;
const APP = join(REPO, "bench/_startup_app.ts");

type Report = { thread: number; process: number };

function writeApp(dir: string, specifier: string): string {
  const text = readFileSync(APP, "utf8").replace('"../mod.ts"', JSON.stringify(specifier));
  writeFileSync(join(dir, "app.ts"), text);
  return join(dir, "app.ts");
}

async function measure(file: string, args: string[], env: Record<string, string> = {}) {
  using cwd = tempDir("cwd");
  const outcome = await run(file, [...args, String(rounds)], {
    cwd: cwd.path,
    env,
    limitMs: 300_000,
  });
  if (outcome.code !== 0) throw new Error(`${file} ${args.join(" ")}: ${outcome.stderr}`);
  return JSON.parse(outcome.stdout.trim().split("\n").at(-1)!) as Report;
}

const results: [string, Report][] = [];
if (runtime === "deno") {
  const deno = (app: string, env?: Record<string, string>) =>
    measure(process.execPath, ["run", "-A", "--quiet", app], env);
  using app = tempDir("startup");
  results.push(["checkout (file)", await deno(writeApp(app.path, join(REPO, "mod.ts")))]);
  await using server = await servePackage(await publishedFiles());
  results.push(["over http", await deno(writeApp(app.path, `${server.url}mod.ts`))]);
  results.push([
    "jsr: (registry)",
    await deno(writeApp(app.path, "jsr:@concurrent/futures"), { JSR_URL: server.url }),
  ]);
} else {
  const bun = (...args: string[]) => measure(process.execPath, args);
  using app = tempDir("startup");
  results.push(["checkout (path)", await bun(writeApp(app.path, join(REPO, "mod.ts")))]);
  for (const layout of ["jsr", "dist"] as const) {
    using npm = tempDir(`startup-${layout}`);
    await installNpmLayout(npm.path, layout);
    results.push([`npm layout (${layout})`, await bun(writeApp(npm.path, "@concurrent/futures"))]);
    if (layout !== "jsr") continue;
    const build = (...args: string[]) =>
      run(process.execPath, ["build", "app.ts", ...args], { cwd: npm.path });
    await build("--target=bun", "--outfile=bundle.js");
    results.push(["bun build bundle", await bun(join(npm.path, "bundle.js"))]);
    await build("--compile", "--outfile=app-bin");
    copyFileSync(join(npm.path, "app-bin"), join(app.path, "app-bin"));
    results.push(["bun build --compile", await measure(join(app.path, "app-bin"), [])]);
  }
}

const [, base] = results[0]!;
console.log(`startup per worker, ${runtime}, median of ${rounds} (ms; ratio to ${results[0]![0]})`);
for (const [name, { thread, process: proc }] of results) {
  const cell = (ms: number, of: number) =>
    `${ms.toFixed(1).padStart(7)} ${(ms / of).toFixed(2).padStart(5)}`;
  console.log(
    `${name.padEnd(22)} thread ${cell(thread, base.thread)}   process ${cell(proc, base.process)}`,
  );
}
