// Copyright 2026 the @concurrent/futures authors. MIT license.
// Builds what `bunx jsr add @concurrent/futures` (or `npx jsr add`) installs:
// the package as JSR's npm compatibility layer serves it, unpacked into
// `<app>/node_modules/@concurrent/futures/`, so tests can run the package the
// way Bun and Node users get it (tests/install_test.ts).
//
//   deno run -A .tools/build_npm_layout.ts --package <repo dir> --app <app dir> [--layout jsr|dist]
//
// What JSR does (jsr-io/jsr, api/src/npm/tarball.rs, specifiers.rs and
// import_transform.rs; NPM_TARBALL_REVISION 11):
// - The module graph is built from the exports map with deno_graph, including
//   dynamic imports whose argument is a string literal; `new URL("./x.ts",
//   import.meta.url)` and computed specifiers are not part of it.
// - Each TypeScript module of that graph is transpiled to `<path>.js` next to
//   its source, with a `.js.map`; its declarations go to `_dist/<path>.d.ts`.
// - Specifiers are rewritten `.ts` → `.js` in `import … from`, `export … from`,
//   `export * from`, `import("literal")` and `import("…")` types: nowhere else.
// - The original `.ts` of a graph module is kept with the same specifiers
//   rewritten (a type-only import is left as written); every other published
//   file (including modules outside the graph) is copied verbatim.
// - package.json: name `@jsr/<scope>__<name>`, `"type": "module"`, and each
//   export as `{ "types": "./_dist/x.d.ts", "default": "./x.js" }`.
//
// `--layout dist` builds the earlier layout (revision 10, April–May 2024, the
// one SPEC.md describes): the `.js` files in `_dist/` too, the kept `.ts`
// rewritten to import `./_dist/….js`, and the exports pointing at `_dist`.
//
// The transpiling itself is `deno pack` (Deno ≥ 2.9), which builds the same
// publish graph and emits the same JavaScript; `deno publish --dry-run` gives
// the published file list and `deno info --json` the graph with the position
// of every specifier. Needs no network.

interface Options {
  packageDir: string;
  appDir: string;
  layout: "jsr" | "dist";
}

interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

interface GraphModule {
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string; span: Span };
  }[];
}

const DENO = Deno.execPath();

function parseArgs(args: string[]): Options {
  const get = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const packageDir = Deno.realPathSync(get("--package") ?? ".");
  const appDir = get("--app");
  const layout = get("--layout") ?? "jsr";
  if (!appDir || (layout !== "jsr" && layout !== "dist")) {
    throw new Error(
      "usage: .tools/build_npm_layout.ts --package <repo dir> --app <app dir> [--layout jsr|dist]",
    );
  }
  return { packageDir, appDir, layout };
}

async function run(cwd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(DENO, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`deno ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** The files `deno publish` would upload, relative to the package root. */
async function publishedFiles(packageDir: string): Promise<string[]> {
  const text = await run(packageDir, ["publish", "--dry-run", "--allow-dirty", "--no-check"]);
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const root = new URL(`file://${packageDir}/`).href;
  const files = [...plain.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map((m) => m[1]!);
  if (files.length === 0) throw new Error(`no file list in deno publish output:\n${plain}`);
  return files.map((url) => decodeURIComponent(url.slice(root.length)));
}

/** The module graph of the exports, local modules only, by relative path. */
async function moduleGraph(
  packageDir: string,
  exports: string[],
): Promise<Map<string, GraphModule>> {
  const root = new URL(`file://${packageDir}/`).href;
  const graph = new Map<string, GraphModule>();
  for (const entry of exports) {
    const info = JSON.parse(await run(packageDir, ["info", "--json", entry])) as {
      modules: GraphModule[];
    };
    for (const module of info.modules) {
      if (module.specifier.startsWith(root)) {
        graph.set(decodeURIComponent(module.specifier.slice(root.length)), module);
      }
    }
  }
  return graph;
}

/** The files of a .tgz, by path inside its `package/` folder. */
async function readTarball(path: string): Promise<Map<string, Uint8Array>> {
  const gz = await Deno.open(path);
  const bytes = new Uint8Array(
    await new Response(gz.readable.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const files = new Map<string, Uint8Array>();
  const text = (at: number, length: number) =>
    new TextDecoder().decode(bytes.subarray(at, at + length)).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= bytes.length;) {
    const name = text(at, 100);
    if (name === "") break;
    const prefix = text(at + 345, 155);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = text(at + 156, 1);
    const full = prefix ? `${prefix}/${name}` : name;
    if (type === "0" || type === "") {
      files.set(full.replace(/^(\.\/)?package\//, ""), bytes.slice(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const isTs = (path: string) => /\.(ts|mts)$/.test(path) && !/\.d\.(ts|mts)$/.test(path);
const toJs = (path: string) => path.replace(/\.ts$/, ".js").replace(/\.mts$/, ".mjs");
const toDts = (path: string) => path.replace(/\.m?ts$/, ".d.ts");

function relative(from: string, to: string): string {
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  const up = a.length - common;
  const rest = b.slice(common).join("/");
  return up === 0 ? `./${rest}` : "../".repeat(up) + rest;
}

/**
 * The source of a kept graph module with each code dependency on another
 * graph module pointed at its JavaScript (`target(path)`), as JSR does.
 */
function rewriteKept(
  source: string,
  path: string,
  module: GraphModule,
  root: string,
  graph: Map<string, GraphModule>,
  target: (path: string) => string,
): string {
  const lines = source.split("\n");
  const edits: { line: number; from: number; to: number; text: string }[] = [];
  for (const dependency of module.dependencies ?? []) {
    const code = dependency.code;
    if (!code?.specifier.startsWith(root)) continue;
    const depPath = decodeURIComponent(code.specifier.slice(root.length));
    if (!graph.has(depPath) || !isTs(depPath)) continue;
    const { start, end } = code.span;
    if (start.line !== end.line) continue;
    const quoted = lines[start.line]!.slice(start.character, end.character);
    const quote = /^['"`]/.test(quoted) ? 1 : 0;
    edits.push({
      line: start.line,
      from: start.character + quote,
      to: end.character - quote,
      text: relative(path, target(depPath)),
    });
  }
  edits.sort((x, y) => y.line - x.line || y.from - x.from);
  for (const edit of edits) {
    const line = lines[edit.line]!;
    lines[edit.line] = line.slice(0, edit.from) + edit.text + line.slice(edit.to);
  }
  return lines.join("\n");
}

async function build({ packageDir, appDir, layout }: Options): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${packageDir}/deno.json`)) as {
    name: string;
    version: string;
    exports: string | Record<string, string>;
  };
  const exports = typeof config.exports === "string" ? { ".": config.exports } : config.exports;
  const root = new URL(`file://${packageDir}/`).href;
  const [files, graph] = await Promise.all([
    publishedFiles(packageDir),
    moduleGraph(packageDir, Object.values(exports)),
  ]);

  const tmp = await Deno.makeTempDir();
  try {
    const tgz = `${tmp}/package.tgz`;
    await run(packageDir, ["pack", "--allow-dirty", "--no-source-maps", "--output", tgz]);
    const packed = await readTarball(tgz);

    const [scope, name] = config.name.slice(1).split("/") as [string, string];
    const out = `${appDir}/node_modules/${config.name}`;
    await Deno.remove(out, { recursive: true }).catch(() => {});
    const write = async (path: string, data: Uint8Array | string) => {
      const file = `${out}/${path}`;
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      if (typeof data === "string") await Deno.writeTextFile(file, data);
      else await Deno.writeFile(file, data);
    };
    const jsPath = (path: string) => (layout === "dist" ? `_dist/${toJs(path)}` : toJs(path));

    for (const path of files) {
      const module = graph.get(path);
      if (!module || !isTs(path)) {
        await write(path, await Deno.readFile(`${packageDir}/${path}`));
        continue;
      }
      const source = await Deno.readTextFile(`${packageDir}/${path}`);
      await write(path, rewriteKept(source, path, module, root, graph, jsPath));
      const js = packed.get(toJs(path));
      if (!js) throw new Error(`deno pack emitted no ${toJs(path)}`);
      await write(jsPath(path), js);
      const dts = packed.get(toDts(path));
      if (dts) await write(`_dist/${toDts(path)}`, dts);
    }

    const npmExports: Record<string, Record<string, string>> = {};
    for (const [key, path] of Object.entries(exports)) {
      const rel = path.replace(/^\.\//, "");
      npmExports[key] = packed.has(toDts(rel))
        ? { types: `./_dist/${toDts(rel)}`, default: `./${jsPath(rel)}` }
        : { default: `./${jsPath(rel)}` };
    }
    await write(
      "package.json",
      JSON.stringify(
        {
          name: `@jsr/${scope}__${name}`,
          version: config.version,
          type: "module",
          dependencies: {},
          exports: npmExports,
          _jsr_revision: layout === "dist" ? 10 : 11,
        },
        null,
        2,
      ) + "\n",
    );
    // What `jsr add` writes into the app's own package.json.
    const appPackage = `${appDir}/package.json`;
    const app = await Deno.readTextFile(appPackage).then(JSON.parse).catch(() => ({
      type: "module",
    }));
    app.dependencies = {
      ...app.dependencies,
      [config.name]: `npm:@jsr/${scope}__${name}@^${config.version}`,
    };
    await Deno.writeTextFile(appPackage, JSON.stringify(app, null, 2) + "\n");
    return out;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  console.log(await build(parseArgs(Deno.args)));
}

export { build, publishedFiles };
