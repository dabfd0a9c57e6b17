// The raw baseline of bench/redis_bench.ts: a consumer that does only what
// any stream worker must, with the same client: XREADGROUP a batch, XADD
// each entry's payload back to the reply stream, XACK the batch. No task is
// run, nothing is decoded.
//
//   deno run -A bench/_redis_echo.ts <url> <name>   (bun: same arguments)

import process from "node:process";
import { RedisClient } from "../_redis/client.ts";
import { RedisError } from "../_redis/errors.ts";

export const RAW_TASKS = "raw:{bench}:tasks";
export const RAW_RESULTS = "raw:{bench}:results";

/** Serves as the raw consumer `name` until the process exits. */
export async function main(url: string, name: string): Promise<void> {
  const client = new RedisClient(url);
  const blocking = client.duplicate();
  try {
    await client.send(["XGROUP", "CREATE", RAW_TASKS, "echo", "$", "MKSTREAM"]);
  } catch (error) {
    if (!(error instanceof RedisError && error.code === "BUSYGROUP")) {
      throw error;
    }
  }
  console.log("ready");
  process.on("SIGTERM", () => process.exit(0));
  for (;;) {
    const reply = await blocking.send([
      "XREADGROUP",
      "GROUP",
      "echo",
      name,
      "COUNT",
      1000,
      "BLOCK",
      0,
      "STREAMS",
      RAW_TASKS,
      ">",
    ]) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    for (const [, fields] of entries) {
      client.send(["XADD", RAW_RESULTS, "*", "v", fields[1]!]);
    }
    if (entries.length > 0) {
      client.send([
        "XACK",
        RAW_TASKS,
        "echo",
        ...entries.map((e) => e[0]),
      ]);
    }
  }
}

if (import.meta.main) await main(process.argv[2]!, process.argv[3]!);
