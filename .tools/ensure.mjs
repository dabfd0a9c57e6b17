// Installs the pinned Deno, Bun and Node from the npm registry into
// .tools/node_modules unless they are already there at the pinned versions.
// Runs on any Node >= 18 (the system's), no deps. The `node` package puts the
// pinned Node binary in .tools/node_modules/.bin, which .ci/run and test.sh put
// first on PATH: from then on `node` is the pinned one (the suite's third
// runtime, running the TypeScript sources with type stripping), whatever Node
// the machine has.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pins = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).devDependencies;
const bin = (name) => join(here, "node_modules", ".bin", name);
const list = (names) => names.join(", ").replace(/, ([^,]*)$/, " and $1");

function version(name) {
  try {
    const out = execFileSync(bin(name), ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.match(/\d+\.\d+\.\d+/)?.[0];
  } catch {
    return undefined;
  }
}

const stale = Object.keys(pins).filter((name) => version(name) !== pins[name]);
if (stale.length) {
  console.error(`Installing ${list(stale.map((n) => `${n}@${pins[n]}`))} from npm into .tools ...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
  const still = Object.keys(pins).filter((name) => version(name) !== pins[name]);
  if (still.length) {
    console.error(`Could not install ${list(still)} at the pinned versions`);
    process.exit(1);
  }
}
