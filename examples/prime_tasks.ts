// CPU-bound work for the demo and the examples, referenced with fromModule()
// so the thread pool, the process pool and this thread run the same code.

/** Counts the primes in [lo, hi) by trial division: deliberately CPU-bound. */
export function countPrimes(lo: number, hi: number): number {
  let count = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
