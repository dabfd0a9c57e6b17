// Installs the pinned Deno and Bun from the npm registry into .tools/node_modules
// unless they are already there at the pinned versions. Node only, no deps.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pins = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).devDependencies;
const bin = (name) => join(here, "node_modules", ".bin", name);

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
  console.error(`Installing ${stale.map((n) => `${n}@${pins[n]}`).join(" and ")} from npm into .tools ...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
  const still = Object.keys(pins).filter((name) => version(name) !== pins[name]);
  if (still.length) {
    console.error(`Could not install ${still.join(" and ")} at the pinned versions`);
    process.exit(1);
  }
}
