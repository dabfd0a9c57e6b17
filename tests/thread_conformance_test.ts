// The conformance suite on the thread pool.
import { ThreadPoolExecutor } from "../thread.ts";
import { executorConformance } from "./_conformance.ts";
import { poolConformance } from "./_pool_conformance.ts";
import { poolControlConformance } from "./_pool_control.ts";

executorConformance(
  "ThreadPoolExecutor",
  (options) => new ThreadPoolExecutor(options),
);
poolConformance("ThreadPoolExecutor", (options) => new ThreadPoolExecutor(options));
poolControlConformance(
  "ThreadPoolExecutor",
  (options) => new ThreadPoolExecutor(options),
  true,
);
