"""Measure answer-checking latency on ordinary inputs (the valid rows of the fixture table).

Usage (from the repository root):
    python scripts/bench_checking.py [--rounds 3] [--json]

Times ``check()`` through the isolated worker pool (what the web app uses; the verdict
cache is cleared before every call, so each call does the full work) and ``check_inline``
(same process), after warming the pool. Prints median / p90 / p99 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from curriculum.checking import check, check_inline, clear_cache, shutdown, warm_up
from tests.curriculum.checking.fixtures import ROWS


def ordinary_rows() -> list:
    """Valid-input fixture rows of ordinary size (no adversarial or parse-error rows)."""
    return [r for r in ROWS if r.score is not None and len(r.student) <= 60]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def summarize(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p90_ms": round(_pct(ms, 0.90), 2),
        "p99_ms": round(_pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


def run(rounds: int = 3) -> dict[str, object]:
    rows = ordinary_rows()
    shutdown()
    t0 = time.perf_counter()
    warm_up()
    startup_s = time.perf_counter() - t0
    for r in rows:  # warm-up pass (imports, SymPy caches in each worker)
        check(r.test, r.student, r.teacher, r.options, input_format=r.input_format, locale=r.locale)
    isolated: list[float] = []
    inline: list[float] = []
    for _ in range(rounds):
        for r in rows:
            clear_cache()
            t = time.perf_counter()
            check(r.test, r.student, r.teacher, r.options, input_format=r.input_format, locale=r.locale)
            isolated.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            check_inline(r.test, r.student, r.teacher, r.options, input_format=r.input_format, locale=r.locale)
            inline.append((time.perf_counter() - t) * 1000)
    shutdown()
    return {
        "rows": len(rows),
        "rounds": rounds,
        "pool_startup_s": round(startup_s, 2),
        "isolated": summarize(isolated),
        "inline": summarize(inline),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = run(args.rounds)
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print(f"{res['rows']} ordinary rows x {res['rounds']} rounds; pool start {res['pool_startup_s']} s")
    for mode in ("isolated", "inline"):
        s = res[mode]
        print(f"{mode:9s} median {s['median_ms']} ms  p90 {s['p90_ms']} ms  p99 {s['p99_ms']} ms  max {s['max_ms']} ms")


if __name__ == "__main__":
    main()
