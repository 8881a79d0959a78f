"""Benchmark of the ensemble and the sweep engine (``make bench``; ``--quick`` for a smoke run).

Prints, from one invocation:

(a) single-core throughput of the ensemble (``sim.simulate`` in chunks of 500 runs, the sweep
    default) against ``mesa.batch_run(sim.AllianceModel, ..., number_processes=1)`` on the same
    parameters (the default scenario, configs/hague.toml) and steps (43 quarters), and the ratio,
    in three alternating rounds (medians reported) so that load from other processes affects
    both engines alike;
(b) 2,000-, 10,000- and 30,000-run sweeps through ``sim.sweep.runner.run_sweep`` with 2 worker
processes,
    keeping alliance series: wall time, runs/s, peak RSS of the main process and of the largest
    worker (sampled with psutil every 20 ms), disk per 1,000 runs. Each sweep
    runs in a fresh child process so that its memory is its own;
(c) how ensemble throughput scales with the runs per batch (32 members) and with the number of
    members (32, 320, 3,200 synthetic members, ``sim.core.data.synthetic_members``).

Parts (a) and (c) are pinned to one CPU (``os.sched_setaffinity``) where the OS allows it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import sim
from sim.core.config import load_scenario
from sim.core.data import synthetic_members
from sim.core.ensemble import simulate

ROOT = Path(__file__).resolve().parents[2]

CHUNK = 500


def pin_one_cpu() -> set[int] | None:
    """Pin this process to one CPU; return the previous set (None if unsupported)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return before


def ensemble_rate(params, runs: int, members=None, chunk: int = CHUNK) -> float:
    """Runs per second of ``simulate`` over ``runs`` runs in batches of ``chunk``."""
    simulate([params] * min(chunk, runs), list(range(min(chunk, runs))), members=members)  # warm
    t0 = time.perf_counter()
    done = 0
    while done < runs:
        n = min(chunk, runs - done)
        simulate([params] * n, list(range(done, done + n)), members=members)
        done += n
    return runs / (time.perf_counter() - t0)


def batch_run_rate(params, runs: int) -> tuple[float, np.ndarray]:
    """Runs per second of mesa.batch_run on one process; also run 0's final munitions ratio."""
    import mesa

    scalars = dataclasses.asdict(params)
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        sim.AllianceModel,
        parameters=scalars,
        rng=list(range(runs)),
        max_steps=43,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    seconds = time.perf_counter() - t0
    last = max(r["Step"] for r in rows)
    final = [r["munitions_ratio"] for r in rows if r["RunId"] == 0 and r["Step"] == last]
    return runs / seconds, np.array(final[:1])


class RssSampler:
    """Peak RSS of this process and of its largest child, sampled every 20 ms with psutil.

    ``resource.getrusage`` is not used for this: on Linux a child's ``ru_maxrss`` starts from
    its parent's at fork time, which would charge the benchmark's own memory to the sweep.
    """

    def __init__(self) -> None:
        import threading

        import psutil  # installed with dask.distributed

        self.proc, self.main, self.worker = psutil.Process(), 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                main = self.proc.memory_info().rss
                kids = [c.memory_info().rss for c in self.proc.children(recursive=True)]
            except psutil.Error:
                continue
            self.main = max(self.main, main)
            self.worker = max(self.worker, *kids, 0)
            self._stop.wait(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def sweep_child(n_runs: int, folder: str) -> None:
    """Run one grid sweep of n_runs runs with 2 workers and print its measurements (JSON)."""
    from sim.sweep.config import load_sweep_config
    from sim.sweep.runner import run_sweep

    points = n_runs // 10
    config = Path(folder) / "bench.toml"
    config.write_text(f"""name = "bench"
scenario = "{ROOT / "configs" / "hague.toml"}"
replications = 10
[design]
method = "grid"
[axes]
hegemon_pressure = {{ min = 0.0, max = 1.0, num = {points // 10} }}
rival_target_ratio = {{ min = 2.0, max = 12.0, num = 10 }}
""")
    out = Path(folder) / "out"
    t0 = time.perf_counter()
    with RssSampler() as rss:
        result = run_sweep(load_sweep_config(config), out, workers=2, quiet=True)
    wall = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "runs": result.manifest["n_runs"],
                "failed": result.manifest["runs_failed"],
                "wall_s": wall,
                "engine_s": result.manifest["timings"]["seconds"],
                "main_peak_mb": rss.main / 2**20,
                "worker_peak_mb": rss.worker / 2**20,
                "total_peak_mb": (rss.main + 2 * rss.worker) / 2**20,
                "disk_mb": disk / 2**20,
            }
        )
    )


def run_sweep_measure(n_runs: int) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-sweep-")
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--sweep-child", str(n_runs), folder],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument(
        "--sweep-child", nargs=2, metavar=("RUNS", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.sweep_child:
        sweep_child(int(args.sweep_child[0]), args.sweep_child[1])
        return
    quick = args.quick
    params = load_scenario(ROOT / "configs" / "hague.toml").params
    print(
        f"# bench_ensemble.py{' --quick' if quick else ''}: numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}\n"
    )

    before = pin_one_cpu()
    rounds = 3
    n_mesa, n_ens = (4, 500) if quick else (20, 3000)
    mesa_rates, ens_rates = [], []
    for _ in range(rounds):  # alternate, so that load from other processes hits both alike
        rate, mesa_final = batch_run_rate(params, n_mesa)
        mesa_rates.append(rate)
        ens_rates.append(ensemble_rate(params, n_ens))
    check = simulate([params], [0]).alliance[
        0, -1, sim.core.metrics.ALLIANCE_COLUMNS.index("munitions_ratio")
    ]
    same = bool(np.array_equal(mesa_final, [check]))
    mesa_rate, ens_rate = float(np.median(mesa_rates)), float(np.median(ens_rates))
    ratios = sorted(e / m for e, m in zip(ens_rates, mesa_rates, strict=True))
    print("## (a) one core, default scenario (32 members, 2025Q1-2035Q4, 43 steps)\n")
    print(f"{rounds} alternating rounds; median runs/s (min-max)\n")
    print("| engine | runs | runs/s |\n|---|---:|---:|")
    print(
        f"| mesa.batch_run(AllianceModel, number_processes=1, data_collection_period=1) "
        f"| {rounds} x {n_mesa} | {mesa_rate:,.1f} ({min(mesa_rates):,.1f}-"
        f"{max(mesa_rates):,.1f}) |"
    )
    print(
        f"| sim.simulate, batches of {CHUNK} | {rounds} x {n_ens:,} | {ens_rate:,.0f} "
        f"({min(ens_rates):,.0f}-{max(ens_rates):,.0f}) |"
    )
    print(
        f"\nratio ensemble / batch_run: **{ens_rate / mesa_rate:,.0f}x** (per round: "
        f"{', '.join(f'{r:,.0f}x' for r in ratios)}; run 0 identical in both: {same})\n"
    )

    print("## (c) ensemble scaling on one core (best of 2)\n")
    print("| members | runs per batch | runs | runs/s | member-quarters/s |")
    print("|---:|---:|---:|---:|---:|")
    for batch in (1, 10, 100, 500, 2000):
        runs = max(batch, 200 if quick else 2000) if batch > 1 else (20 if quick else 100)
        rate = max(ensemble_rate(params, runs, chunk=batch) for _ in range(2))
        print(f"| 32 | {batch:,} | {runs:,} | {rate:,.0f} | {rate * 32 * 43:,.0f} |")
    for n in (32, 320, 3200):
        members = synthetic_members(n)
        runs = max(20, (4000 if not quick else 400) * 32 // n)
        rate = max(
            ensemble_rate(params, runs, members=members, chunk=min(CHUNK, runs)) for _ in range(2)
        )
        print(
            f"| {n:,} (synthetic) | {min(CHUNK, runs)} | {runs:,} | {rate:,.1f} | "
            f"{rate * n * 43:,.0f} |"
        )
    if before is not None:
        os.sched_setaffinity(0, before)

    print("\n## (b) sweeps with 2 worker processes, keeping alliance series\n")
    print(
        "| runs | wall s | runs/s | peak RSS MB: main | largest worker | main + 2 workers "
        "| disk MB per 1,000 runs |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for n in (400, 2000) if quick else (2000, 10_000, 30_000):
        m = results[n] = run_sweep_measure(n)
        print(
            f"| {m['runs']:,} | {m['wall_s']:.1f} | {m['runs'] / m['wall_s']:,.0f} | "
            f"{m['main_peak_mb']:.0f} | {m['worker_peak_mb']:.0f} | {m['total_peak_mb']:.0f} | "
            f"{m['disk_mb'] / m['runs'] * 1000:.2f} |"
        )
    small, large = results[min(results)], results[max(results)]
    grow = large["total_peak_mb"] - small["total_peak_mb"]
    extra = (large["runs"] - small["runs"]) / 1000
    print(
        f"\npeak memory (main + 2 workers) from {small['runs']:,} to {large['runs']:,} runs: "
        f"{grow:+.0f} MB ({grow / extra:+.1f} MB per 1,000 extra runs)"
    )


if __name__ == "__main__":
    main()
