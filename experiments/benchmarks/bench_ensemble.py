"""How the ensemble's throughput scales with the runs per batch and with the members (one CPU).

``sim.simulate`` on the default scenario (configs/hague.toml, 43 quarterly steps), pinned to one
CPU where the OS allows it, best of two:

- 32 members in batches of 1, 10, 100, 500 and 2,000 runs;
- 32, 320 and 3,200 synthetic members (``sim.core.data.synthetic_members``: the 32 NATO
  members repeated with jittered GDP, from rest points: they have no backcast), to show that a
  run's cost grows linearly with its members;
- the warm start's cost, side by side: the default scenario (each run first runs its 2014-2024
  backcast, ``history_config``, ``sim.core.dynamics.history``) against the same scenario from
  rest points (``history_config = ""``), batches of 500, and their ratio.

The side-by-side comparison with mesa.batch_run, the sweep command and calibration is
``bench.py`` (``make bench``); memory and disk of a large sweep are ``million.py``.

Usage::

    .venv/bin/python experiments/benchmarks/bench_ensemble.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import engines

import sim
from sim.core.data import synthetic_members


def rate(runs: int, batch: int, members=None, **overrides) -> float:
    """Runs per second of ``sim.simulate`` over ``runs`` runs in batches of ``batch``."""
    params = sim.load_scenario(engines.SCENARIO, overrides=overrides).params
    first = min(batch, runs)
    sim.simulate([params] * first, list(range(first)), members=members)  # warm-up
    t0 = time.perf_counter()
    for start in range(0, runs, batch):
        n = min(batch, runs - start)
        sim.simulate([params] * n, list(range(start, start + n)), members=members)
    return runs / (time.perf_counter() - t0)


def main() -> None:
    """Print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    quick = parser.parse_args().quick
    print("| members | runs per batch | runs | runs/s | member-quarters/s |")
    print("|---:|---:|---:|---:|---:|")
    with engines.pinned(1):
        for batch in (1, 10, 100, 500, 2000):
            runs = max(batch, 200 if quick else 2000) if batch > 1 else (20 if quick else 100)
            best = max(rate(runs, batch) for _ in range(2))
            print(f"| 32 | {batch:,} | {runs:,} | {best:,.0f} | {best * 32 * 43:,.0f} |")
        for n in (32, 320, 3200):
            members = synthetic_members(n)
            runs = max(20, (400 if quick else 4000) * 32 // n)
            batch = min(500, runs)
            # synthetic members have no backcast: from rest points
            best = max(rate(runs, batch, members, history_config="") for _ in range(2))
            print(
                f"| {n:,} (synthetic) | {batch} | {runs:,} | {best:,.1f} | {best * n * 43:,.0f} |"
            )
        runs = 1000 if quick else 4000
        warm = max(rate(runs, 500) for _ in range(2))
        rest = max(rate(runs, 500, history_config="") for _ in range(2))
        print(f"\nwarm start (backcast first): {warm:,.0f} runs/s; from rest points: {rest:,.0f}")
        print(f"ratio {warm / rest:.2f} (the backcast's 42 quarters before the scenario's 43)")


if __name__ == "__main__":
    main()
