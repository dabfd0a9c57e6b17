// The work of deno_process_files.ts, run in child processes by reference.

/** The SHA-256 of a file, in hex, and the process that computed it. */
export async function hashFile(
  path: string,
): Promise<{ path: string; sha256: string; pid: number }> {
  const bytes = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return { path, sha256, pid: Deno.pid };
}
