"""Run every benchmark; print figures and the ratios against each one's baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pinrules

from . import bounded, engine, lint, memory, network, publish, reader, schedule, service, startup

CHECKOUT = Path(__file__).resolve().parent.parent


def main() -> None:
    where = Path(pinrules.__file__).resolve().parent
    print(f"pinrules {pinrules.__version__} from {where}, Python {sys.version.split()[0]}")
    if where.is_relative_to(CHECKOUT) and not where.is_relative_to(CHECKOUT / "bench" / ".work"):
        print("  (the checkout's sources, not an installed wheel: `make bench` measures what users run)")
    results = []
    for bench in (startup, engine, reader, lint, bounded, memory, network, publish, service, schedule):
        results += bench.main()
        print()
    print("ratios (measured in this run)")
    for name, ratio, goal, met in results:
        unit = "" if name.endswith(")") else "x"  # (s), (MB), (ms), (us): a figure, not a ratio
        print(f"  {name:45s} {ratio:7.2f}{unit:1s}   goal {goal:8s} {'met' if met else 'MISSED'}")


main()
