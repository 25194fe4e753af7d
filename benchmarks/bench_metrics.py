"""CPU time of each metrics table on one simulated year of the default scenario.

    .venv/bin/python benchmarks/bench_metrics.py [--rounds 5]

Tables are read in ``RunMetrics.TABLES`` order on a fresh ``RunMetrics`` each round, so each
figure is what that table adds to the ones before it (shared pieces, such as the step visits,
are charged to the first table that needs them); the best round of each is kept.
"""

from __future__ import annotations

import argparse
import time

from salesim import load_scenario, shipped_scenario, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = simulate(load_scenario(shipped_scenario("b2b_baseline.yaml")), seed=1)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        metrics = result.metrics()
        for name in metrics.TABLES:
            began = time.process_time()
            getattr(metrics, name)
            best[name] = min(best.get(name, float("inf")), time.process_time() - began)
    for name, seconds in best.items():
        print(f"{name:<12} {seconds:7.3f} s")
    print(f"{'all':<12} {sum(best.values()):7.3f} s CPU")


if __name__ == "__main__":
    main()
