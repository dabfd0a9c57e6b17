// The conformance suite on the process pool.
import { ProcessPoolExecutor } from "../process.ts";
import { executorConformance } from "./_conformance.ts";

executorConformance(
  "ProcessPoolExecutor",
  (options) => new ProcessPoolExecutor(options),
);
