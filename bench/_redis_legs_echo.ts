// The raw consumer of bench/_redis_echo.ts with the trace
// (bench/_redis_trace.ts) patched in, for bench/redis_legs.ts; on SIGTERM
// it writes its events as JSON to <out> and exits.
//
//   deno run -A bench/_redis_legs_echo.ts <url> <name> <out>

import { writeFileSync } from "node:fs";
import process from "node:process";
import { events } from "./_redis_trace.ts";
import { main } from "./_redis_echo.ts";

const [url, name, out] = process.argv.slice(2) as [string, string, string];
process.on("exit", () => writeFileSync(out, JSON.stringify(events)));
await main(url, name);
