"""``python -m bench [name …]``: run the benchmarks (all by default) and write bench/results/."""

from __future__ import annotations

import sys

from bench import (
    attribution,
    catchup,
    click_cost,
    click_recording,
    dashboard,
    digests,
    fanout,
    imports,
    local_clicks,
    programme,
    redirect,
)

# In this order: click_cost prices the request counts the three before it measured.
BENCHMARKS = {
    "fanout": fanout.main,
    "redirect": redirect.main,
    "click_recording": click_recording.main,
    "attribution": attribution.main,
    "click_cost": click_cost.main,
    "local_clicks": local_clicks.main,
    "imports": imports.main,
    "catchup": catchup.main,
    "digests": digests.main,
    "programme": programme.main,
    "dashboard": dashboard.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
