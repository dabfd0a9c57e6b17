# CPython's pools on the mixed-durations burst of bench/scheduling.ts:
# [500, 500, 10, 10, 10, 10] ms of time.sleep on 2 workers, after a warm-up.
# Prints {"threads": ms, "processes": ms}, the median of `rounds` runs.
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait


def nap(ms):
    time.sleep(ms / 1000)
    return ms


def burst(executor, durations):
    start = time.perf_counter()
    wait([executor.submit(nap, ms) for ms in durations])
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    durations = json.loads(sys.argv[1])
    rounds = int(sys.argv[2])
    out = {}
    for kind, make in (("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)):
        with make(max_workers=2) as executor:
            wait([executor.submit(nap, 0) for _ in range(50)])
            out[kind] = statistics.median(burst(executor, durations) for _ in range(rounds))
    print(json.dumps(out))
