// A Deno script that hashes a folder of files in child processes, replacing
// each child after a few files (maxTasksPerChild) as a guard against leaks.
//
//   deno run --allow-read --allow-write --allow-run --allow-env examples/deno_process_files.ts [dir]
//
// Without a folder it hashes a set of generated files in a temporary one.

import { fromModule } from "../future.ts";
import { ProcessPoolExecutor } from "../process.ts";

const tasks = fromModule<typeof import("./file_tasks.ts")>(
  new URL("./file_tasks.ts", import.meta.url),
);

/** Hashes every file in `dir`; returns the results and how many children ran. */
export async function hashFolder(dir: string): Promise<{ files: number; children: number }> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) paths.push(`${dir}/${entry.name}`);
  await using executor = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 4 });
  const pids = new Set<number>();
  for await (const { path, sha256, pid } of executor.map(tasks.hashFile, paths.sort())) {
    pids.add(pid);
    console.log(`${sha256}  ${path}`);
  }
  return { files: paths.length, children: pids.size };
}

/** Writes `count` files of generated data into a new temporary folder. */
export async function generateFiles(count: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "futures-example-" });
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(256 * 1024).map((_, k) => (k * 31 + i * 7) & 255);
    await Deno.writeFile(`${dir}/file-${String(i).padStart(2, "0")}.bin`, data);
  }
  return dir;
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? await generateFiles(12);
  const { files, children } = await hashFolder(dir);
  console.log(`Hashed ${files} files in ${children} child processes`);
  if (!Deno.args[0]) await Deno.remove(dir, { recursive: true });
}
