// The raw baseline's worker on Node, which has no web Worker: the same ops as
// _raw_thread_worker.ts over node:worker_threads' parentPort.
import { parentPort } from "node:worker_threads";

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
parentPort!.on("message", ([id, op, x]: [number, number, unknown]) => {
  const value = op === 0
    ? (x as number) + 1
    : op === 1
    ? fib(x as number)
    : (x as number[]).map((v) => v + 1);
  parentPort!.postMessage([id, value]);
});
