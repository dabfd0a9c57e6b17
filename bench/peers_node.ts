// Our ThreadPoolExecutor and ProcessPoolExecutor against Node's worker-pool
// libraries, on the same machine, in one run, on the same task module
// (_peer_tasks.mjs): piscina, tinypool, workerpool and poolifier, each with 2
// workers, plus the raw node:worker_threads and child pools of bench/run.ts.
// Rounds alternate between contenders; the table shows medians.
//
//   node bench/peers_node.ts [--rounds N] [--quick] [--dir <scratch folder>]
//
// The peers are installed with npm into a scratch folder (default: the
// system's temporary folder), never into this package: the versions below.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { fromModule } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { ThreadPoolExecutor } from "../thread.ts";
import { RawProcessPool, RawThreadPool } from "./_contenders.ts";

const PEERS = {
  piscina: "5.3.2",
  tinypool: "2.2.0",
  workerpool: "10.0.3",
  poolifier: "6.1.1",
};
const WORKERS = 2;
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const quick = argv.includes("--quick");
const rounds = Number(flag("--rounds") ?? (quick ? 1 : 9));
const sizes = quick ? { tiny: 2000, latency: 100 } : { tiny: 20_000, latency: 1000 };
const dir = flag("--dir") ?? join(tmpdir(), "futures-bench-peers");
const TASKS = new URL("./_peer_tasks.mjs", import.meta.url);

/** A pool as the table sees it: one call of add1, and closing. */
interface Contender {
  name: string;
  kind: "threads" | "processes";
  call(x: number): Promise<unknown>;
  close(): Promise<unknown>;
}

// Installs the peers once, and writes the worker scripts that workerpool and
// poolifier want (they resolve the peer from the scratch folder).
function installPeers(): void {
  mkdirSync(dir, { recursive: true });
  const want = Object.entries(PEERS).map(([name, version]) => `${name}@${version}`);
  const have = want.every((spec) => {
    const [name, version] = spec.split("@") as [string, string];
    const file = join(dir, "node_modules", name, "package.json");
    return existsSync(file) && createRequire(file)(file).version === version;
  });
  if (!have) {
    writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...want], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
  const tasks = JSON.stringify(TASKS.href);
  writeFileSync(
    join(dir, "workerpool_worker.mjs"),
    `import workerpool from "workerpool";\nimport { add1 } from ${tasks};\nworkerpool.worker({ add1 });\n`,
  );
  // Imported from the scratch folder, so each peer resolves as its users'
  // ES modules resolve it.
  writeFileSync(
    join(dir, "peers.mjs"),
    'export { Piscina } from "piscina";\nexport { Tinypool } from "tinypool";\n' +
      'export { default as workerpool } from "workerpool";\n' +
      'export { FixedClusterPool, FixedThreadPool } from "poolifier";\n',
  );
  for (const kind of ["Thread", "Cluster"]) {
    writeFileSync(
      join(dir, `poolifier_${kind.toLowerCase()}.mjs`),
      `import { ${kind}Worker } from "poolifier";\nimport { add1 } from ${tasks};\nexport default new ${kind}Worker({ add1 });\n`,
    );
  }
}

// deno-lint-ignore no-explicit-any
type Loose = any; // the peers' own types are not installed here

async function peers(): Promise<Contender[]> {
  const { Piscina, Tinypool, workerpool, FixedClusterPool, FixedThreadPool }: Loose = await import(
    pathToFileURL(join(dir, "peers.mjs")).href
  );
  const filename = TASKS.href;
  const fixed = { minThreads: WORKERS, maxThreads: WORKERS };
  const piscina = new Piscina({ filename, name: "add1", ...fixed });
  const tinyThreads = new Tinypool({ filename, name: "add1", ...fixed });
  const tinyProcesses = new Tinypool({
    filename,
    name: "add1",
    runtime: "child_process",
    ...fixed,
  });
  const wpScript = join(dir, "workerpool_worker.mjs");
  const wpOptions = { minWorkers: WORKERS, maxWorkers: WORKERS };
  const wpThreads = workerpool.pool(wpScript, { ...wpOptions, workerType: "thread" });
  const wpProcesses = workerpool.pool(wpScript, { ...wpOptions, workerType: "process" });
  const poolThreads = new FixedThreadPool(WORKERS, join(dir, "poolifier_thread.mjs"));
  const poolCluster = new FixedClusterPool(WORKERS, join(dir, "poolifier_cluster.mjs"));
  const peer = (
    name: string,
    kind: Contender["kind"],
    call: Contender["call"],
    close: Contender["close"],
  ) => ({ name, kind, call, close });
  return [
    peer(`piscina ${PEERS.piscina}`, "threads", (x) => piscina.run(x), () => piscina.destroy()),
    peer(
      `tinypool ${PEERS.tinypool}`,
      "threads",
      (x) => tinyThreads.run(x),
      () => tinyThreads.destroy(),
    ),
    peer(
      `workerpool ${PEERS.workerpool}`,
      "threads",
      (x) => wpThreads.exec("add1", [x]),
      () => wpThreads.terminate(),
    ),
    peer(
      `poolifier ${PEERS.poolifier}`,
      "threads",
      (x) => poolThreads.execute(x, "add1"),
      () => poolThreads.destroy(),
    ),
    peer(
      `tinypool ${PEERS.tinypool} (child_process)`,
      "processes",
      (x) => tinyProcesses.run(x),
      () => tinyProcesses.destroy(),
    ),
    peer(
      `workerpool ${PEERS.workerpool} (process)`,
      "processes",
      (x) => wpProcesses.exec("add1", [x]),
      () => wpProcesses.terminate(),
    ),
    peer(
      `poolifier ${PEERS.poolifier} (cluster)`,
      "processes",
      (x) => poolCluster.execute(x, "add1"),
      () => poolCluster.destroy(),
    ),
  ];
}

function ours(): Contender[] {
  const tasks = fromModule<typeof import("./_peer_tasks.mjs")>(TASKS);
  const threads = new ThreadPoolExecutor({ maxWorkers: WORKERS });
  const processes = new ProcessPoolExecutor({ maxWorkers: WORKERS });
  const rawThreads = new RawThreadPool(WORKERS);
  const rawProcesses = new RawProcessPool(WORKERS);
  return [
    {
      name: "ours: ThreadPoolExecutor",
      kind: "threads",
      call: (x) => threads.submit(tasks.add1, x).result(),
      close: () => threads.shutdown(),
    },
    {
      name: "raw node:worker_threads",
      kind: "threads",
      call: (x) => rawThreads.call(0, x),
      close: () => rawThreads.close(),
    },
    {
      name: "ours: ProcessPoolExecutor",
      kind: "processes",
      call: (x) => processes.submit(tasks.add1, x).result(),
      close: () => processes.shutdown(),
    },
    {
      name: "raw child processes",
      kind: "processes",
      call: (x) => rawProcesses.call(0, x),
      close: () => rawProcesses.close(),
    },
  ];
}

async function tiny(c: Contender, n: number): Promise<number> {
  const start = performance.now();
  const calls = [];
  for (let i = 0; i < n; i++) calls.push(c.call(i));
  let sum = 0;
  for (const value of await Promise.all(calls)) sum += value as number;
  if (sum !== (n * (n + 1)) / 2) throw new Error(`${c.name}: tiny summed to ${sum}`);
  return n / ((performance.now() - start) / 1000);
}

async function latency(c: Contender, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    if ((await c.call(i)) !== i + 1) throw new Error(`${c.name}: wrong latency result`);
  }
  return ((performance.now() - start) * 1000) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

installPeers();
const contenders = [...ours(), ...await peers()];
for (const c of contenders) await tiny(c, 500); // start the workers, warm the JIT
const samples = new Map(
  contenders.map((c) => [c, { tiny: [] as number[], latency: [] as number[] }]),
);
for (let round = 0; round < rounds; round++) {
  // Each round in another order: no contender always runs right after another.
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
  for (const c of order) samples.get(c)!.tiny.push(await tiny(c, sizes.tiny));
  for (const c of order) samples.get(c)!.latency.push(await latency(c, sizes.latency));
}
for (const c of contenders) await c.close();

const rows = contenders.map((c) => ({
  name: c.name,
  kind: c.kind,
  tiny: median(samples.get(c)!.tiny),
  latency: median(samples.get(c)!.latency),
}));
const piscina = rows.find((r) => r.name.startsWith("piscina"))!.tiny;
console.log(
  `Node ${process.version}, ${WORKERS} workers, ${rounds} rounds, medians${
    quick ? " (--quick: numbers mean nothing)" : ""
  }`,
);
console.log("| pool | kind | tiny (tasks/s) | × piscina | latency (µs) |");
console.log("|---|---|---:|---:|---:|");
for (const r of rows) {
  const k = (v: number) => v >= 100_000 ? `${(v / 1000).toFixed(0)}k` : v.toFixed(0);
  console.log(
    `| ${r.name} | ${r.kind} | ${k(r.tiny)} | ${(r.tiny / piscina).toFixed(1)}× | ${
      r.latency.toFixed(1)
    } |`,
  );
}
const out = new URL("./results/", import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(
  new URL("peers-node.json", out),
  JSON.stringify({ node: process.version, rounds, sizes, rows }, null, 2),
);
