"""The same workloads on CPython's executors, for bench/run.ts.

Prints one JSON object: {"threads": {...}, "processes": {...}} with
tiny (tasks/s), latency (µs), map (items/s), cpu (speedup), startup (ms).
"""
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def inc(x):
    return x + 1


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def median(xs):
    return sorted(xs)[len(xs) // 2]


def measure(kind, sizes, rounds):
    make = (lambda: ThreadPoolExecutor(2)) if kind == "threads" else (lambda: ProcessPoolExecutor(2))
    out = {}
    startup = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        with make() as ex:
            ex.submit(inc, 1).result()
        startup.append((time.perf_counter() - t0) * 1000)
    out["startup"] = median(startup)
    with make() as ex:
        ex.submit(inc, 1).result()
        tiny, lat, mp, cpu = [], [], [], []
        for _ in range(rounds):
            n = sizes["tiny"]
            t0 = time.perf_counter()
            fs = [ex.submit(inc, i) for i in range(n)]
            assert sum(f.result() for f in fs) == n * (n + 1) // 2
            tiny.append(n / (time.perf_counter() - t0))
            n = sizes["latency"]
            t0 = time.perf_counter()
            for i in range(n):
                ex.submit(inc, i).result()
            lat.append((time.perf_counter() - t0) * 1e6 / n)
            n = sizes["map"]
            t0 = time.perf_counter()
            chunksize = 1000 if kind == "processes" else 1
            assert sum(ex.map(inc, range(n), chunksize=chunksize)) == n * (n + 1) // 2
            mp.append(n / (time.perf_counter() - t0))
            n, depth = sizes["cpu"], sizes["depth"]
            t0 = time.perf_counter()
            for i in range(n):
                fib(depth)
            sequential = time.perf_counter() - t0
            t0 = time.perf_counter()
            list(ex.map(fib, [depth] * n))
            cpu.append(sequential / (time.perf_counter() - t0))
        out.update(tiny=median(tiny), latency=median(lat), map=median(mp), cpu=median(cpu))
    return out


if __name__ == "__main__":
    sizes = json.loads(sys.argv[1])
    rounds = int(sys.argv[2])
    print(json.dumps({kind: measure(kind, sizes, rounds) for kind in ("threads", "processes")}))
