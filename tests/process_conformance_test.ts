// The conformance suite on the process pool.
import { ProcessPoolExecutor } from "../process.ts";
import { executorConformance } from "./_conformance.ts";
import { poolConformance } from "./_pool_conformance.ts";
import { poolControlConformance } from "./_pool_control.ts";

executorConformance(
  "ProcessPoolExecutor",
  (options) => new ProcessPoolExecutor(options),
);
poolConformance("ProcessPoolExecutor", (options) => new ProcessPoolExecutor(options));
poolControlConformance(
  "ProcessPoolExecutor",
  (options) => new ProcessPoolExecutor(options),
  false,
);
