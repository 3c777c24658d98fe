"""The best time of several sides of a comparison, measured in turns."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable


def best_of(
    sides: dict[str, Callable[[], object]], rounds: int, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """Best time of each side over the rounds, the sides taking turns within each round."""
    best = dict.fromkeys(sides, math.inf)
    for _ in range(rounds):
        for name, action in sides.items():
            gc.collect()  # no side pays for the other's garbage
            start = clock()
            action()
            best[name] = min(best[name], clock() - start)
    return best
