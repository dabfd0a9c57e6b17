// Copyright 2026 the @concurrent/futures authors. MIT license.
// Defence in depth against a process pool that spawns copies of the program
// (see _wire/worker_mark.ts). Loaded with the process pool, never by worker
// code: it runs once, when this package loads.

import process from "node:process";
import { isProcessWorker, WORKER_ARG } from "../_wire/worker_mark.ts";

/** The exit code of a child that found itself running the program (EX_SOFTWARE). */
export const NOT_A_WORKER = 70;

// process.argv needs no permission in Deno. Only the last argument counts:
// the pool puts the mark there, and the program's own arguments come first.
if (process.argv.at(-1) === WORKER_ARG && !isProcessWorker()) {
  process.stderr.write(
    "@concurrent/futures: this process was started as a ProcessPoolExecutor worker but runs the program itself (its executable is the program, as in a compiled binary); it exits before starting anything\n",
  );
  process.exit(NOT_A_WORKER);
}
