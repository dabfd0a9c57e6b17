// The conformance suite on the process pool.
import { ProcessPoolExecutor } from "../process.ts";
import { executorConformance } from "./_conformance.ts";
import { poolConformance } from "./_pool_conformance.ts";

executorConformance(
  "ProcessPoolExecutor",
  (options) => new ProcessPoolExecutor(options),
);
poolConformance("ProcessPoolExecutor", (options) => new ProcessPoolExecutor(options));
