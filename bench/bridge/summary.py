"""Summarises the wrk rounds of bench/bridge/run.sh: medians per server and
the ratios the issue asks for.

  summary.py RESULTS   (lines "name req/s p99", p99 as wrk prints it: 1.23ms)
"""
import statistics
import sys

UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
LABEL = {"bridge": "skylapse-bridge", "mhd1": "(a) mhd_min, 1 thread",
         "mhd2": "    mhd_min, 2 threads", "nginx": "(b) nginx static file"}


def ms(v):
    n = v.rstrip("usm")
    return float(n) * UNIT[v[len(n):]]


def main(path):
    runs = {}
    for line in open(path):
        name, rps, p99 = line.split()
        runs.setdefault(name, []).append((float(rps), ms(p99)))
    med = {k: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v))
           for k, v in runs.items()}
    print(f"bench: medians of {len(runs['bridge'])} rounds")
    for k in ("bridge", "mhd1", "mhd2", "nginx"):
        print(f"  {LABEL[k]:<24} {med[k][0]:9.0f} req/s   p99 {med[k][1]:7.2f} ms")
    b, a, a2, n = (med[k][0] for k in ("bridge", "mhd1", "mhd2", "nginx"))
    p99 = med["bridge"][1]
    print(f"bench: bridge / (a) mhd_min 1 thread = {b / a:.2f} "
          f"(target >= 0.90: {'met' if b / a >= 0.9 else 'NOT met'})")
    print(f"bench: bridge / mhd_min 2 threads    = {b / a2:.2f}")
    print(f"bench: bridge / (b) nginx            = {b / n:.2f}   (mhd_min / nginx = {a / n:.2f})")
    print(f"bench: bridge p99 {p99:.2f} ms (target < 10 ms: {'met' if p99 < 10 else 'NOT met'}); "
          f"same run: (a) {med['mhd1'][1]:.2f} ms, (b) {med['nginx'][1]:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1])
