// The conformance suite on the thread pool.
import { ThreadPoolExecutor } from "../thread.ts";
import { executorConformance } from "./_conformance.ts";
import { poolConformance } from "./_pool_conformance.ts";

executorConformance(
  "ThreadPoolExecutor",
  (options) => new ThreadPoolExecutor(options),
);
poolConformance("ThreadPoolExecutor", (options) => new ThreadPoolExecutor(options));
