"""Issue 13's benchmark, side by side in one run: ``make bench`` (``--quick`` for a smoke run).

Measures, in one invocation on this machine, and prints as one table with issue 13's targets
(``targets.py``) and PASS or MISS next to each:

- the kernel: ``sim.simulate`` on the default scenario (configs/hague.toml: 32 members, 43
  quarters), batches of 2,000 runs, alliance series only, in this process, pinned to 1 CPU;
- ``mesa.batch_run(sim.AllianceModel, ..., number_processes=1)`` on a few hundred runs, in a
  fresh interpreter pinned to 1 CPU; its time for the sweep's runs is its start-up plus the
  runs at its measured rate;
- the sweep command end to end, ``python -m sim sweep CONFIG --out DIR --workers N --quiet`` as a
  subprocess timed from launch to exit (start-up, planning and every file included), on a
  6,000-run sweep (a 10 x 10 grid, alliance series kept): 1 worker pinned to 1 CPU, and 2
  workers on the machine's 2 CPUs;
- calibration: ``python -m sim calibrate configs/backcast_2014.toml`` with the full budget
  (``--quick``: ``SIM_CALIBRATE_BUDGET=smoke``), launch to exit, not pinned, with the loss it
  reaches to full precision, against the "before" numbers in ``targets.CALIBRATION_BEFORE``.

Kernel and sweeps run in alternating rounds (medians, min-max) so that load from other processes
falls on all of them alike. The load average is printed before and after. Exit status 0 whatever
the verdicts: a benchmark reports, it does not fail.

Usage::

    .venv/bin/python experiments/benchmarks/bench.py [--quick] [--no-calibration] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import engines
import targets

SIZES = {
    False: {"rounds": 3, "kernel_runs": 6000, "batch": 2000, "sweep_runs": 6000, "mesa_runs": 300},
    True: {"rounds": 1, "kernel_runs": 1000, "batch": 500, "sweep_runs": 1000, "mesa_runs": 10},
}
"""The sizes of a full (False) and a quick (True) run."""
ENGINES = {"kernel": "kernel_runs", "sweep_1": "sweep_runs", "sweep_2": "sweep_runs"}
"""The engines measured in rounds, and the size that gives their runs."""


def environment() -> dict[str, Any]:
    """The machine, versions, git revision and load, recorded with the numbers."""
    import mesa
    import numpy as np

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=engines.ROOT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else "unknown"

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git("rev-parse", "--short", "HEAD")
        + ("+changes" if git("status", "-s") not in ("", "unknown") else ""),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
    }


def measure_rounds(folder: Path, sizes: dict[str, int]) -> dict[str, list[float]]:
    """Kernel and sweep command in alternating rounds: wall and CPU seconds per round for each."""
    config = engines.write_sweep_config(folder, sizes["sweep_runs"])
    times: dict[str, list[float]] = {k: [] for k in ENGINES}
    cpu: dict[str, list[float]] = {k: [] for k in ENGINES}

    def keep(key: str, wall_cpu: tuple[float, float]) -> None:
        times[key].append(wall_cpu[0])
        cpu[key].append(wall_cpu[1])

    for r in range(sizes["rounds"]):
        with engines.pinned(1):
            keep("kernel", engines.kernel_seconds(sizes["kernel_runs"], sizes["batch"]))
        for workers in (1, 2):
            out = folder / f"sweep-round{r}-workers{workers}"
            with engines.pinned(workers):
                keep(f"sweep_{workers}", engines.sweep_seconds(config, out, workers))
            shutil.rmtree(out)
        print(f"round {r + 1}/{sizes['rounds']} done", file=sys.stderr)
    return {"times": times, "cpu": cpu}


def measure(quick: bool, calibration: bool) -> dict[str, Any]:
    """Every measurement of the benchmark (raw times, runs and sizes)."""
    sizes = SIZES[quick]
    result: dict[str, Any] = {"environment": environment(), "sizes": sizes, "quick": quick}
    folder = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    try:
        result |= measure_rounds(folder, sizes)
        with engines.pinned(1):
            result["batch_run"] = engines.batch_run_seconds(sizes["mesa_runs"])
        print("mesa.batch_run done", file=sys.stderr)
        if calibration:
            result["calibration"] = engines.calibrate_measure(folder, smoke=quick)
            result["calibration"]["budget"] = "smoke" if quick else "full"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["environment"]["load_after"] = os.getloadavg()[0]
    return result


def rates(result: dict[str, Any]) -> dict[str, Any]:
    """Runs/s of each engine (median and range over rounds) and the 6,000-run times."""
    s, t = result["sizes"], result["times"]
    out: dict[str, Any] = {}
    for key, runs in ENGINES.items():
        out[key] = targets.spread([targets.rate(s[runs], x) for x in t[key]])
        out[f"{key}_cpu_ms"] = 1e3 * targets.spread(result["cpu"][key])[0] / s[runs]
    b = result["batch_run"]
    out["batch_run"] = targets.rate(s["mesa_runs"], b["run_s"])
    out["batch_run_sweep_s"] = targets.end_to_end_seconds(
        b["startup_s"], out["batch_run"], s["sweep_runs"]
    )
    out["sweep_1_s"] = targets.spread(t["sweep_1"])[0]
    return out


def checks(result: dict[str, Any], r: dict[str, Any]) -> list[targets.Check]:
    """Every target, from the measurements."""
    found = targets.speed_checks(
        r["kernel"][0], r["sweep_1"][0], r["sweep_2"][0], r["sweep_1_s"], r["batch_run_sweep_s"]
    )
    if "calibration" in result:
        c = result["calibration"]
        before = targets.CALIBRATION_BEFORE[c["budget"]]
        found += targets.calibration_checks(c["seconds"], c["loss"], before)
    return found


def report(result: dict[str, Any]) -> str:
    """The Markdown report: environment, the side-by-side table, the targets."""
    e, s, r = result["environment"], result["sizes"], rates(result)
    n, rounds = s["sweep_runs"], s["rounds"]

    def row(label: str, pin: str, runs: str, key: str) -> str:
        med, lo, hi = r[key]
        cpu = r[f"{key}_cpu_ms"]
        return f"| {label} | {pin} | {runs} | {med:,.0f} ({lo:,.0f}-{hi:,.0f}) | {cpu:.3f} |"

    b = result["batch_run"]
    lines = [
        f"# bench.py{' --quick' if result['quick'] else ''}: {e['date']}, git {e['git']}, "
        f"python {e['python']}, numpy {e['numpy']}, mesa {e['mesa']}, {e['cpus']} CPUs, "
        f"load {e['load_before']:.2f} before, {e['load_after']:.2f} after",
        "",
        f"{rounds} alternating round(s); runs/s median (min-max)",
        "",
        "| engine | pinned | runs | runs/s | CPU ms per run |",
        "|---|---|---:|---:|---:|",
        row(
            f"kernel: `sim.simulate`, batches of {s['batch']:,}, alliance series",
            "1 CPU",
            f"{rounds} x {s['kernel_runs']:,}",
            "kernel",
        ),
        row(
            "`python -m sim sweep --workers 1`, end to end", "1 CPU", f"{rounds} x {n:,}", "sweep_1"
        ),
        row(
            "`python -m sim sweep --workers 2`, end to end",
            "2 CPUs",
            f"{rounds} x {n:,}",
            "sweep_2",
        ),
        f"| `mesa.batch_run(..., number_processes=1)`: {b['run_s']:.1f} s + start-up "
        f"{b['startup_s']:.1f} s | 1 CPU | {s['mesa_runs']:,} | {r['batch_run']:,.1f} | |",
        "",
        f"{n:,} runs end to end: sweep (1 worker) {r['sweep_1_s']:.1f} s; mesa.batch_run "
        f"{r['batch_run_sweep_s']:,.0f} s (start-up + {n:,} runs at its rate)",
    ]
    if "calibration" in result:
        c = result["calibration"]
        before = targets.CALIBRATION_BEFORE[c["budget"]]
        lines.append(
            f"calibration ({c['budget']} budget, not pinned): {c['seconds']:.1f} s end to end, "
            f"{c['cpu_s']:.1f} CPU s "
            f"(search {c['search_s']:.1f} s, {c['evaluations']:,} evaluations), loss "
            f"{c['loss']!r}; before ({before.commit}): {before.seconds:.1f} s, loss "
            f"{before.loss!r}"
        )
    lines += ["", "| target | measured | goal | |", "|---|---:|---:|---|"]
    for ch in checks(result, r):
        goal = f"<= {ch.goal:g}" if ch.at_most else f">= {ch.goal:g}x"
        value = f"{ch.value:.2g}" if ch.at_most else f"{ch.value:,.2f}x"
        lines.append(f"| {ch.label} | {value} | {goal} | {ch.verdict} |")
    return "\n".join(lines)


def main() -> None:
    """Measure, print the report, optionally save the raw numbers as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, smoke calibration")
    parser.add_argument("--no-calibration", action="store_true", help="skip calibration")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = measure(args.quick, not args.no_calibration)
    result["bench_seconds"] = time.perf_counter() - t0
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\n({result['bench_seconds']:.0f} s in all)")


if __name__ == "__main__":
    main()
