// The conformance suite on RedisExecutor: each executor gets its own queue
// on one shared redis-server, served by an in-process worker node whose
// local pool has the suite's maxWorkers.
import { after } from "node:test";
import { executorConformance } from "./_conformance.ts";
import { ServedRedisExecutor } from "./_redis_nodes.ts";
import { RedisServer } from "./_redis_server.ts";

const server = await RedisServer.start();
after(() => server.stop());

executorConformance(
  "RedisExecutor",
  ({ maxWorkers }) => new ServedRedisExecutor(server.url, maxWorkers),
);
