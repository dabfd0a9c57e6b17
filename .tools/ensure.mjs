// Installs the pinned toolchain from the npm registry unless it is already
// there at the pinned versions: Deno, Bun and Node in .tools/node_modules and,
// with --test-nodes (test.sh), the other Node versions the install tests run
// (.tools/nodes/node_modules).
// Runs on any Node >= 18 (the system's), no deps. The `node` package puts the
// pinned Node binary in .tools/node_modules/.bin, which .ci/run and test.sh put
// first on PATH: from then on `node` is the pinned one (the suite's third
// runtime, running the TypeScript sources with type stripping), whatever Node
// the machine has.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const tools = dirname(fileURLToPath(import.meta.url));
const list = (names) => names.join(", ").replace(/, ([^,]*)$/, " and $1");

// A pin's binary: its bin in .bin, or for an alias of the node package
// ("node22": "npm:node@22.23.3") that package's own bin/node.
function binary(dir, name, pin) {
  if (pin.startsWith("npm:node@")) return join(dir, "node_modules", name, "bin", "node");
  return join(dir, "node_modules", ".bin", name);
}

function version(file) {
  try {
    const out = execFileSync(file, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.match(/\d+\.\d+\.\d+/)?.[0];
  } catch {
    return undefined;
  }
}

function ensure(dir) {
  const pins = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).devDependencies;
  const stale = () =>
    Object.entries(pins)
      .filter(([name, pin]) => version(binary(dir, name, pin)) !== pin.replace(/^npm:node@/, ""))
      .map(([name, pin]) => `${name}@${pin.replace(/^npm:node@/, "")}`);
  const missing = stale();
  if (missing.length === 0) return;
  console.error(`Installing ${list(missing)} from npm into ${relative(process.cwd(), dir) || "."} ...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  const still = stale();
  if (still.length) {
    console.error(`Could not install ${list(still)}`);
    process.exit(1);
  }
}

ensure(tools);
if (process.argv.includes("--test-nodes")) ensure(join(tools, "nodes"));
