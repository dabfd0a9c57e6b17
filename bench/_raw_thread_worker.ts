// The raw baseline's worker: id-tagged messages, no library. Ops: 0 = x + 1,
// 1 = fib(x), 2 = x + 1 over a batch.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<[number, number, unknown]>) => void) | null;
};
scope.onmessage = ({ data: [id, op, x] }) => {
  const value = op === 0
    ? (x as number) + 1
    : op === 1
    ? fib(x as number)
    : (x as number[]).map((v) => v + 1);
  scope.postMessage([id, value]);
};
