"""Experiment backends compared: R replications of the default scenario run in this process
(serial), in 2 local processes (``--jobs 2``) and on a Dask LocalCluster of 2 workers.

    .venv/bin/python benchmarks/bench_backends.py                  # 200 × one simulated year
    .venv/bin/python benchmarks/bench_backends.py -r 40 --days 90  # a quick look
    .venv/bin/python benchmarks/bench_backends.py --json

Every backend goes through ``experiments.Lab``, the code path of ``salesim compare``
and friends, with a worker that also reports how long the simulation took inside the worker.

* **speedup** = serial wall time ÷ the backend's wall time (target ≥ 1.7× on 2 quiet cores);
* **overhead per run** = (wall time × workers − Σ time inside the workers) ÷ runs: what the
  backend spends per run on shipping the task, the result and waiting (idle workers at the tail
  included), shown also as a share of the mean run (target for Dask: < 5%).

Needs the ``dask`` extra for the Dask row (skipped without it). The load average is printed
before and after: above the number of cores, other work shared the CPU and the figures are
pessimistic. Not a test: nothing here fails a build.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from salesim.simulator.experiments.executors import open_backend  # noqa: E402
from salesim.simulator.experiments.lab import Lab  # noqa: E402
from salesim.simulator.experiments.records import Record, run_record  # noqa: E402
from salesim.simulator.experiments.variants import Variant, with_settings  # noqa: E402
from salesim.simulator.scenario.loader import load_scenario  # noqa: E402
from salesim.simulator.scenario.schema import Scenario  # noqa: E402


def timed_record(scenario: Scenario, seed: int, replication: int) -> Record:
    """``run_record`` plus the seconds it took inside the worker (``_seconds``)."""
    started = time.perf_counter()
    record = run_record(scenario, seed, replication)
    record["_seconds"] = time.perf_counter() - started
    return record


def measure(name: str, scenario: Scenario, replications: int, jobs: int,
            scheduler: str | None) -> dict[str, Any]:
    opened = time.perf_counter()
    with open_backend(jobs, scheduler) as backend:
        ready = time.perf_counter()
        lab = Lab(backend, scenario.seed, worker=timed_record)
        started = time.perf_counter()
        records = lab.records([Variant(scenario.name, scenario, "bench")], replications)[0]
        wall = time.perf_counter() - started
        workers = backend.workers
    inside = sum(r["_seconds"] for r in records)
    overhead = (wall * workers - inside) / replications
    return {"backend": name, "workers": workers, "runs": replications,
            "start_seconds": round(ready - opened, 3), "wall_seconds": round(wall, 3),
            "run_seconds_mean": round(inside / replications, 4),
            "overhead_per_run_seconds": round(overhead, 4),
            "overhead_share_of_run": round(overhead / (inside / replications), 4),
            "records": [{k: v for k, v in r.items() if k != "_seconds"} for r in records]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "b2b_baseline.yaml"))
    parser.add_argument("-r", "--replications", type=int, default=200)
    parser.add_argument("--days", type=float, default=None, help="horizon (default: the "
                        "scenario's; 365 for the default)")
    parser.add_argument("--skip-serial", action="store_true",
                        help="no serial row (speedups then cannot be computed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    if args.days is not None:
        scenario = with_settings(scenario, days=args.days)
    load_before = os.getloadavg()[0]
    rows = []
    plan = [("serial", 1, None), ("processes (--jobs 2)", 2, None)]
    try:
        import distributed  # noqa: F401

        plan.append(("dask LocalCluster(2)", 2, "local"))
    except ImportError:
        print("dask not installed: no Dask row (pip install -e '.[dask]')", file=sys.stderr)
    if args.skip_serial:
        plan = plan[1:]
    for name, jobs, scheduler in plan:
        print(f"running {args.replications} × {scenario.horizon_days:g} days: {name} …",
              file=sys.stderr, flush=True)
        rows.append(measure(name, scenario, args.replications, jobs, scheduler))
    load_after = os.getloadavg()[0]
    same = all(r["records"] == rows[0]["records"] for r in rows)
    serial = next((r for r in rows if r["backend"] == "serial"), None)
    for r in rows:
        r["speedup"] = round(serial["wall_seconds"] / r["wall_seconds"], 3) if serial else None
        del r["records"]
    report = {"scenario": scenario.name, "horizon_days": scenario.horizon_days,
              "replications": args.replications, "cores": os.cpu_count(),
              "load_average_before": round(load_before, 2),
              "load_average_after": round(load_after, 2),
              "identical_records_across_backends": same, "backends": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{scenario.name}: {args.replications} replications × {scenario.horizon_days:g} days "
          f"on {os.cpu_count()} cores; load average {load_before:.2f} before, "
          f"{load_after:.2f} after")
    print(f"{'backend':<24}{'workers':>8}{'start s':>9}{'wall s':>9}{'run s':>8}"
          f"{'speedup':>9}{'overhead/run s':>16}{'of a run':>10}")
    for r in rows:
        speed = f"{r['speedup']:.2f}×" if r["speedup"] else "–"
        print(f"{r['backend']:<24}{r['workers']:>8}{r['start_seconds']:>9.2f}"
              f"{r['wall_seconds']:>9.1f}{r['run_seconds_mean']:>8.3f}{speed:>9}"
              f"{r['overhead_per_run_seconds']:>16.4f}{r['overhead_share_of_run']:>10.1%}")
    print(f"records identical across backends: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":  # the guard Dask's and multiprocessing's workers need
    raise SystemExit(main())
