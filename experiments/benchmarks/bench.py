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
- the two-worker sweep once more on 600,000 runs, between two measurements of the kernel
  (its ratio taken against the faster), where start-up is 2% of the time;
- the same, side by side again, on a 60,000-run sweep (the kernel on 60,000 runs too), where a
  process's start-up (imports, loading the compiled step: about a second) is repaid, with two
  kernels at once, one per CPU: what two CPUs give when both are busy, the ceiling of two
  workers on this machine; and the kernel alone in a process that keeps freed memory as the
  sweep's processes do (``sim.sweep.allocator``), so that the ratios can be read against it
  as well;
- the start-up floor: a fresh interpreter pinned to 1 CPU that only imports ``sim``, reads the
  scenario, loads the compiled step and completes one run (``engines.start_floor_seconds``),
  once a round. No sweep, however built, is done before that plus its runs at the kernel's
  rate, so each ratio's target is printed with the most any sweep could reach on this machine
  (``targets.reach``), and "out of reach" where even that is short of the goal;
- calibration: ``python -m sim calibrate configs/backcast_2014.toml`` with the full budget
  (``--quick``: ``SIM_CALIBRATE_BUDGET=smoke``), launch to exit, not pinned, with the loss it
  reaches to full precision, against the "before" numbers in ``targets.CALIBRATION_BEFORE``
  (the speed-up) and the loss of the model's committed fit (``targets.committed_fit``: the same
  fit).

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
    False: {
        "rounds": 3,
        "kernel_runs": 6000,
        "batch": 2000,
        "sweep_runs": 6000,
        "mesa_runs": 300,
        "large_rounds": 2,
        "large_runs": 60000,
        "scale_runs": 600000,
    },
    True: {
        "rounds": 1,
        "kernel_runs": 1000,
        "batch": 500,
        "sweep_runs": 1000,
        "mesa_runs": 10,
        "large_rounds": 1,
        "large_runs": 2000,
        "scale_runs": 4000,
    },
}
"""The sizes of a full (False) and a quick (True) run."""
ENGINES = {"kernel": "kernel_runs", "sweep_1": "sweep_runs", "sweep_2": "sweep_runs"}
"""The engines measured in rounds on the 6,000-run sweep, and the size that gives their runs."""
LARGE = {"kernel": "kernel_large", "sweep_1": "sweep_1_large", "sweep_2": "sweep_2_large"}
"""The same engines on the large sweep (``large_runs``: start-up repaid), under these keys."""


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
        "compiled_step": engines.compiled_step(),
    }


def measure_rounds(
    folder: Path, sizes: dict[str, int], large: bool = False
) -> dict[str, dict[str, list[float]]]:
    """Kernel and sweep command in alternating rounds: wall and CPU seconds per round for each.

    ``large``: on the large sweep (``large_runs`` runs, the kernel on as many), with two
    kernels at once (one per CPU, ``kernel_pair``) in each round as well.
    """
    runs = sizes["large_runs"] if large else sizes["sweep_runs"]
    kernel_runs = runs if large else sizes["kernel_runs"]
    keys = LARGE if large else {k: k for k in ENGINES}
    config = engines.write_sweep_config(folder, runs, name="large" if large else "bench")
    times: dict[str, list[float]] = {k: [] for k in keys.values()}
    cpu: dict[str, list[float]] = {k: [] for k in keys.values()}

    def keep(key: str, wall_cpu: tuple[float, float]) -> None:
        times[keys[key]].append(wall_cpu[0])
        cpu[keys[key]].append(wall_cpu[1])

    for r in range(sizes["large_rounds" if large else "rounds"]):
        with engines.pinned(1):
            keep("kernel", engines.kernel_seconds(kernel_runs, sizes["batch"]))
        for workers in (1, 2):
            out = folder / f"sweep-{config.stem}-round{r}-workers{workers}"
            with engines.pinned(workers):
                keep(f"sweep_{workers}", engines.sweep_seconds(config, out, workers))
            shutil.rmtree(out)
        if not large:
            with engines.pinned(1):
                times.setdefault("floor", []).append(engines.start_floor_seconds())
                numba = engines.start_floor_seconds(library=False)
                times.setdefault("floor_numba", []).append(numba)
        if large:
            with engines.pinned(2):
                pair = engines.kernels_at_once_seconds(kernel_runs // 2, sizes["batch"])
            times.setdefault("kernel_pair", []).append(targets.pair_seconds(kernel_runs, pair))
            with engines.pinned(1):
                tuned = engines.kernels_at_once_seconds(kernel_runs, sizes["batch"], kernels=1)
            times.setdefault("kernel_tuned", []).append(tuned[0])
        print(f"{config.stem} round {r + 1} done", file=sys.stderr)
    return {"times": times, "cpu": cpu}


def measure_scale(folder: Path, sizes: dict[str, int]) -> dict[str, Any]:
    """One two-worker sweep of ``scale_runs`` runs, the kernel measured just before and after.

    On 600,000 runs a worker's start-up (about 1.4 s) is 2% of the sweep: what is left is the
    cost of the sweep's machinery beside the equations. One round (about a minute).
    """
    runs = sizes["scale_runs"]
    config = engines.write_sweep_config(folder, runs, name="scale")
    kernel: list[float] = []
    with engines.pinned(1):
        kernel.append(engines.kernel_seconds(sizes["large_runs"], sizes["batch"])[0])
    out = folder / "sweep-scale-workers2"
    with engines.pinned(2):
        wall, cpu = engines.sweep_seconds(config, out, 2)
    shutil.rmtree(out)
    with engines.pinned(1):
        kernel.append(engines.kernel_seconds(sizes["large_runs"], sizes["batch"])[0])
    print("scale sweep done", file=sys.stderr)
    return {"sweep_2_s": wall, "sweep_2_cpu_s": cpu, "kernel_s": kernel}


def measure(quick: bool, calibration: bool) -> dict[str, Any]:
    """Every measurement of the benchmark (raw times, runs and sizes)."""
    sizes = SIZES[quick]
    result: dict[str, Any] = {"environment": environment(), "sizes": sizes, "quick": quick}
    folder = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    try:
        result |= measure_rounds(folder, sizes)
        for part, found in measure_rounds(folder, sizes, large=True).items():
            result[part] |= found
        result["scale"] = measure_scale(folder, sizes)
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
    for key in (*LARGE.values(), "kernel_pair", "kernel_tuned"):
        out[key] = targets.spread([targets.rate(s["large_runs"], x) for x in t[key]])
    for key in LARGE.values():
        out[f"{key}_cpu_ms"] = 1e3 * targets.spread(result["cpu"][key])[0] / s["large_runs"]
    if "scale" in result:
        sc = result["scale"]
        out["scale_runs"] = s["scale_runs"]
        out["scale_kernel"] = [targets.rate(s["large_runs"], x) for x in sc["kernel_s"]]
        out["scale_sweep_2"] = targets.rate(s["scale_runs"], sc["sweep_2_s"])
        out["scale_sweep_2_cpu_ms"] = 1e3 * sc["sweep_2_cpu_s"] / s["scale_runs"]
    return out


def floor(result: dict[str, Any]) -> targets.Floor | None:
    """What bounds any sweep here, from the measurements; None for a result without a floor.

    Each measurement is taken at its most favourable to a sweep, so that the bound is one no
    sweep could beat: the fastest start-up of the rounds, the largest gain of two kernels at
    once over one (``kernel_pair``) and of the kernel tuned as a worker (``kernel_tuned``).
    """
    t = result["times"]
    if "floor" not in t:
        return None
    rounds = list(zip(t["kernel_large"], t["kernel_pair"], t["kernel_tuned"], strict=True))
    return targets.Floor(
        start_s=min(t["floor"]),
        one_cpu=max(1.0, *(k / tuned for k, _, tuned in rounds)),
        two_cpus=max(k / pair for k, pair, _ in rounds),
    )


def checks(result: dict[str, Any], r: dict[str, Any]) -> list[targets.Check]:
    """Every target, from the measurements, each ratio with the most any sweep could reach."""
    least, s = floor(result), result["sizes"]
    found = targets.speed_checks(
        r["kernel"][0],
        r["sweep_1"][0],
        r["sweep_2"][0],
        r["sweep_1_s"],
        r["batch_run_sweep_s"],
        floor=least,
        runs=s["sweep_runs"],
    )
    found += targets.large_checks(
        r["kernel_large"][0], r["sweep_1_large"][0], r["sweep_2_large"][0], s, floor=least
    )
    if "scale" in result:
        found.append(
            targets.scale_check(r["scale_kernel"], r["scale_sweep_2"], r["scale_runs"], least)
        )
    if "calibration" in result:
        c = result["calibration"]
        before = targets.CALIBRATION_BEFORE[c["budget"]]
        fit = targets.committed_fit(c["budget"])
        found += targets.calibration_checks(c["seconds"], c["loss"], before, fit)
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
        *large_rows(s, r, row),
        "",
        f"{n:,} runs end to end: sweep (1 worker) {r['sweep_1_s']:.1f} s; mesa.batch_run "
        f"{r['batch_run_sweep_s']:,.0f} s (start-up + {n:,} runs at its rate)",
        f"two kernels at once, one per CPU, {s['large_runs'] // 2:,} runs each: "
        f"{r['kernel_pair'][0]:,.0f} runs/s, {r['kernel_pair'][0] / r['kernel_large'][0]:.2f}x "
        "the kernel on one CPU: the most two workers could give on this machine",
        *tuned_lines(s, r),
        *scale_lines(r),
    ]
    if "calibration" in result:
        c = result["calibration"]
        before = targets.CALIBRATION_BEFORE[c["budget"]]
        lines.append(
            f"calibration ({c['budget']} budget, not pinned): {c['seconds']:.1f} s end to end, "
            f"{c['cpu_s']:.1f} CPU s "
            f"(search {c['search_s']:.1f} s, {c['evaluations']:,} evaluations), loss "
            f"{c['loss']!r}; before ({before.commit}): {before.seconds:.1f} s, loss "
            f"{before.loss!r} (the model before issues 15 and 16); the committed fit of today's "
            f"model ({targets.HEADLINE.relative_to(engines.ROOT)}, recalibration): "
            f"{targets.committed_fit(c['budget'])!r}"
        )
    lines += [*floor_lines(result), "", *target_rows(checks(result, r))]
    return "\n".join(lines)


def target_rows(found: list[targets.Check]) -> list[str]:
    """The targets' table: measured, goal, the most any sweep could reach here, verdict."""
    lines = ["| target | measured | goal | any sweep, at most | |", "|---|---:|---:|---:|---|"]
    for ch in found:
        goal = f"<= {ch.goal:g}" if ch.at_most else f">= {ch.goal:g}x"
        value = f"{ch.value:.2g}" if ch.at_most else f"{ch.value:,.2f}x"
        most = "" if ch.reach is None else f"{ch.reach:,.2f}x"
        lines.append(f"| {ch.label} | {value} | {goal} | {most} | {ch.verdict} |")
    return lines


def floor_lines(result: dict[str, Any]) -> list[str]:
    """What bounds any sweep here: the start-up floor and the kernels' gains it is read with."""
    least = floor(result)
    if least is None:
        return []
    starts = ", ".join(f"{x:.3f}" for x in result["times"]["floor"])
    numba = ", ".join(f"{x:.3f}" for x in result["times"].get("floor_numba", []))
    return [
        f"the compiled step runs {result['environment'].get('compiled_step', 'through numba')}",
        f"start-up floor, 1 CPU: a fresh interpreter that imports sim, reads the scenario, loads "
        f"the compiled step and completes one run, launch to exit: {starts} s (the least, "
        f"{least.start_s:.3f} s, is used); with it, no sweep can beat the floor plus its runs at "
        f"the kernel's rate times {least.one_cpu:.2f} on one worker (the tuned kernel's gain, at "
        f"least 1) or {least.two_cpus:.2f} on two (two kernels at once): the column 'any sweep, "
        f"at most'; 'out of reach' where that is short of the goal",
        f"the same floor through numba (SIM_NATIVE=0), in the same rounds: {numba or 'n/a'} s",
    ]


def tuned_lines(s: dict[str, int], r: dict[str, Any]) -> list[str]:
    """The kernel in a process that keeps freed memory as the sweep's do, and the ratios to it.

    The targets compare the sweep with ``sim.simulate`` as a library call leaves it (glibc's
    defaults, ``sim.sweep.allocator``); these lines give the same ratios against the kernel
    with the sweep's allocator setting, so that what the setting itself brings is seen.
    """
    tuned, kernel = r["kernel_tuned"][0], r["kernel_large"][0]
    return [
        f"the kernel in a process that keeps freed memory as the sweep's processes do "
        f"(`sim.sweep.allocator`), {s['large_runs']:,} runs: {tuned:,.0f} runs/s, "
        f"{tuned / kernel:.2f}x the kernel; against it the sweep on {s['large_runs']:,} runs "
        f"reaches {r['sweep_1_large'][0] / tuned:.2f} on one worker and "
        f"{r['sweep_2_large'][0] / tuned:.2f} on two",
    ]


def scale_lines(r: dict[str, Any]) -> list[str]:
    """The two-worker sweep at scale, with the kernels measured before and after it."""
    if "scale_runs" not in r:
        return []
    before, after = r["scale_kernel"]
    return [
        f"`python -m sim sweep --workers 2`, end to end, {r['scale_runs']:,} runs, once: "
        f"{r['scale_sweep_2']:,.0f} runs/s ({r['scale_sweep_2_cpu_ms']:.3f} CPU ms a run); "
        f"the kernel (1 CPU) {before:,.0f} runs/s before it "
        f"and {after:,.0f} after",
    ]


def large_rows(s: dict[str, int], r: dict[str, Any], row: Any) -> list[str]:
    """The side-by-side table's rows for the large sweep."""
    n, rounds = s["large_runs"], s["large_rounds"]
    return [
        row(f"kernel, {n:,} runs", "1 CPU", f"{rounds} x {n:,}", "kernel_large"),
        row(
            "`python -m sim sweep --workers 1`, end to end",
            "1 CPU",
            f"{rounds} x {n:,}",
            "sweep_1_large",
        ),
        row(
            "`python -m sim sweep --workers 2`, end to end",
            "2 CPUs",
            f"{rounds} x {n:,}",
            "sweep_2_large",
        ),
    ]


def main() -> None:
    """Measure, print the report, optionally save the raw numbers as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, smoke calibration")
    parser.add_argument("--no-calibration", action="store_true", help="skip calibration")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    engines.adopt_orphans()  # the sweep's workers, forked by its fork server, count their CPU
    result = measure(args.quick, not args.no_calibration)
    result["bench_seconds"] = time.perf_counter() - t0
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\n({result['bench_seconds']:.0f} s in all)")


if __name__ == "__main__":
    main()
