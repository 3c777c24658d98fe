"""Run every benchmark; print figures and the ratios against each one's baseline."""

from __future__ import annotations

from . import bounded, engine, lint, memory, network, publish, reader, service, startup


def main() -> None:
    results = []
    for bench in (startup, engine, reader, lint, bounded, memory, network, publish, service):
        results += bench.main()
        print()
    print("ratios (measured in this run)")
    for name, ratio, goal, met in results:
        unit = "" if name.endswith(("(s)", "(MB)", "(ms)")) else "x"
        print(f"  {name:45s} {ratio:7.2f}{unit:1s}   goal {goal:8s} {'met' if met else 'MISSED'}")


main()
