// Helpers for tests/install_test.ts: the package laid out the ways users
// get it, a user's program (fixtures/install/) set up against each, and a
// command runner. Nothing here imports the package itself.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { liveProcesses } from "./_procfs.ts";
import { type CommandOptions, runCommand, type ScriptResult } from "./_run_script.ts";

/** The checkout, as a path ending in "/". */
export const REPO: string = fileURLToPath(new URL("..", import.meta.url));
const APP = fileURLToPath(new URL("./fixtures/install/", import.meta.url));
/** How the fixture app imports the package (replaced per install). */
const PACKAGE_IMPORT = '"../../../mod.ts"';

/** A temporary folder, removed by `[Symbol.dispose]`. */
export function tempDir(prefix: string): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), `futures-${prefix}-`));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Copies the user's program (app.ts, tasks.js, helper.js) into `dir`, its
 * package import set to `specifier` and, when given, tasks.js's helper
 * import to `helper`.
 */
export function writeApp(dir: string, specifier: string, helper?: string): void {
  cpSync(APP, dir, { recursive: true });
  for (const name of ["app.ts", "tasks.js"]) {
    const path = join(dir, name);
    let text = readFileSync(path, "utf8").replace(PACKAGE_IMPORT, JSON.stringify(specifier));
    if (helper) text = text.replace('"./helper.js"', JSON.stringify(helper));
    writeFileSync(path, text);
  }
}

/** What a command left behind. */
export type Outcome = ScriptResult;

/** How to run a command: in the temporary directory unless told. */
export type RunOptions = CommandOptions;

/** Runs a command to its end, in `tmpdir()` unless told, without colours. */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<Outcome> {
  const { cwd = tmpdir(), env = {}, limitMs } = options;
  return runCommand(file, args, { cwd, env: { NO_COLOR: "1", ...env }, limitMs });
}

/** The report app.ts prints for each pool when everything worked. */
export const EXPECTED_REPORT = {
  inline: 1024,
  fib: 6765,
  imports: "pending helper",
  squares: [1, 4, 9, 16, 25],
  completed: ["55", "inline"],
  forgotten: "never shut down",
};

/** The reports app.ts printed, by pool kind. */
export function reports(stdout: string): Record<string, unknown> {
  return Object.fromEntries(
    stdout.trim().split("\n").map((line) => {
      const at = line.indexOf(" ");
      return [line.slice(0, at), JSON.parse(line.slice(at + 1))];
    }),
  );
}

/** The files `deno publish` would upload, relative to the checkout. */
export async function publishedFiles(): Promise<string[]> {
  const { code, stdout, stderr } = await run(
    "deno",
    ["publish", "--dry-run", "--allow-dirty", "--no-check"],
    { cwd: REPO },
  );
  const root = new URL(`file://${REPO}`).href;
  const files = [...(stdout + stderr).matchAll(/^\s+(file:\/\/\S+) \(/gm)]
    .map((m) => decodeURIComponent(m[1]!.slice(root.length)));
  if (code !== 0 || files.length === 0) throw new Error(`deno publish --dry-run: ${stderr}`);
  return files;
}

/** A loopback server, closed by `[Symbol.asyncDispose]`. */
export interface Server extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
}

const TYPES: Record<string, string> = {
  ts: "application/typescript",
  js: "text/javascript",
  json: "application/json",
};

/**
 * Serves the published files twice over: at `/<path>`, as a plain https
 * import sees them, and as the JSR registry does (`JSR_URL=<url>` makes
 * `jsr:@concurrent/futures` resolve here: `/<scope>/<name>/meta.json`,
 * `<version>_meta.json` with checksums, `<version>/<path>`). `extra` adds
 * files at their own paths.
 */
export async function servePackage(
  files: string[],
  extra: Record<string, string> = {},
): Promise<Server> {
  const config = JSON.parse(readFileSync(join(REPO, "deno.json"), "utf8"));
  const [scope, name] = config.name.slice(1).split("/");
  const base = `/${config.name}/`;
  const bodies = new Map<string, Uint8Array>();
  for (const path of files) bodies.set(`/${path}`, readFileSync(join(REPO, path)));
  for (const [path, text] of Object.entries(extra)) {
    bodies.set(path, new TextEncoder().encode(text));
  }
  const manifest = Object.fromEntries(files.map((path) => {
    const body = bodies.get(`/${path}`)!;
    const checksum = `sha256-${createHash("sha256").update(body).digest("hex")}`;
    return [`/${path}`, { size: body.length, checksum }];
  }));
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  bodies.set(
    `${base}meta.json`,
    json({ scope, name, latest: config.version, versions: { [config.version]: {} } }),
  );
  bodies.set(`${base}${config.version}_meta.json`, json({ manifest, exports: config.exports }));
  for (const path of files) bodies.set(`${base}${config.version}/${path}`, bodies.get(`/${path}`)!);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url!, "http://x").pathname);
    const body = bodies.get(path);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    const type = TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    response.writeHead(200, { "content-type": type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}/`,
    host,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Installs the package into `app`/node_modules as JSR's npm layer lays it
 * out: "jsr" as today (`.js` beside each `.ts`, `.d.ts` in `_dist`), "dist"
 * as in April–May 2024 and SPEC.md (`.js` in `_dist` too).
 */
export async function installNpmLayout(app: string, layout: "jsr" | "dist"): Promise<void> {
  const { code, stderr } = await run("deno", [
    "run",
    "-A",
    join(REPO, ".tools/build_npm_layout.ts"),
    "--package",
    REPO,
    "--app",
    app,
    "--layout",
    layout,
  ]);
  if (code !== 0) throw new Error(`build_npm_layout.ts failed: ${stderr}`);
}

/** What a command run in its own process group left behind. */
export interface GroupOutcome extends Outcome {
  /** The most processes its group held at once (sampled from /proc). */
  most: number;
  /** Processes of the group still alive after it exited (then killed). */
  left: number;
}

/**
 * Runs a command as the leader of a new process group, samples how many
 * processes the group holds until it exits, and kills the whole group with
 * SIGKILL after `limitMs` (a fork bomb would otherwise outlive the test).
 * Linux only (/proc).
 */
export function runInOwnGroup(
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<GroupOutcome> {
  const { cwd = tmpdir(), env = {}, limitMs = 20_000 } = options;
  const child = spawn(file, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own session and process group, led by its pid
  });
  const group = child.pid!;
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let most = 0;
  const sample = setInterval(() => (most = Math.max(most, groupMembers(group).length)), 5);
  const killer = setTimeout(() => killGroup(group), limitMs);
  return new Promise((resolve) => {
    child.on("close", async (code, signal) => {
      clearInterval(sample);
      clearTimeout(killer);
      const left = groupMembers(group).length;
      await emptyGroup(group);
      resolve({ code, signal, stdout, stderr, most, left });
    });
  });
}

// Kills the group until nobody is left in it: a member that was forking
// when the group was killed can leave a child behind.
async function emptyGroup(group: number): Promise<void> {
  for (const end = Date.now() + 10_000; groupMembers(group).length > 0 && Date.now() < end;) {
    killGroup(group);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // Gone already.
  }
}

// The live (not zombie) processes whose process group is `group`.
function groupMembers(group: number): number[] {
  return liveProcesses().filter((entry) => entry.group === group).map((entry) => entry.pid);
}
