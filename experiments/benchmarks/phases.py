"""Where a one-worker sweep's time goes, launch to exit, beside the floor and the kernel.

``make bench`` gives the ratio of ``python -m sim sweep --workers 1`` to the kernel; this script
says what the rest of the sweep's time is spent on. Each round, on one CPU:

- the sweep of ``make bench`` (``engines.write_sweep_config``: a 10 x 10 grid of the default
  scenario, alliance series kept; 6,000 runs unless ``--runs``) runs in a child process,
  ``phases_child.py``, which does what ``python -m sim sweep ... --workers 1`` does with the
  chunk's steps wrapped to stamp them (what is stamped: ``phases_child``);
- the start-up floor (``engines.start_floor_seconds``) and the kernel on the same number of
  runs (``engines.kernel_seconds``, batches of 2,000, in this process).

The stamps are ``time.perf_counter`` values, one clock for every process of the machine (Linux,
macOS), and the launch and exit are taken here. It prints the median of each phase over the
rounds (min-max), the time of the issue's goal for one worker (the runs at 70% of the kernel's
rate, ``targets.ONE_WORKER_VS_KERNEL``) and how far the sweep is from it. The wrapping adds a few
microseconds a chunk. Run it on a quiet machine.

Usage::

    .venv/bin/python experiments/benchmarks/phases.py [--runs 6000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import engines
import targets

PHASES = (
    ("interpreter", "launch to the child's first line (the interpreter's start)"),
    ("imports", "to the sweep's entry (sim.cli, sim.sweep.runner and what they import)"),
    ("plan", "config, plan, folder and manifest, to the first chunk"),
    ("simulation", "the chunks' simulations (shocks, kernel, checks)"),
    ("tables", "the chunks' Arrow tables (summaries, series, runs)"),
    ("files", "the chunks' Parquet files (encoding, checksums, writes)"),
    ("chunk rest", "the rest of each chunk (its parameters, its groups) and between chunks"),
    ("finish", "after the last chunk: final files, exit"),
)
"""The phases of a sweep, in order, with what each holds; they add up to launch-to-exit."""

CHILD = Path(__file__).with_name("phases_child.py")
"""The stamped sweep (run as a script, so that its first line is the interpreter's start)."""


def phase_seconds(launch: float, exit_: float, stamps: dict[str, Any]) -> dict[str, float]:
    """The seconds of each of :data:`PHASES` from a child's stamps.

    Args:
        launch: when this script started the child (``time.perf_counter``).
        exit_: when the child had exited.
        stamps: the child's: ``start`` (its first line), ``entry`` (``cli_sweep`` entered) and
            ``chunks``, each ``{"start", "end", "simulation", "tables", "files"}`` (the last
            three in seconds, the others ``perf_counter`` values).

    Raises:
        ValueError: no chunk, or stamps out of order.
    """
    chunks = sorted(stamps["chunks"], key=lambda c: c["start"])
    if not chunks:
        raise ValueError("no chunk was stamped: expected at least one")
    first, last = chunks[0]["start"], max(c["end"] for c in chunks)
    order = [launch, stamps["start"], stamps["entry"], first, last, exit_]
    if any(b < a for a, b in zip(order, order[1:], strict=False)):
        raise ValueError(f"stamps out of order: {order}")
    inside = {k: sum(c[k] for c in chunks) for k in ("simulation", "tables", "files")}
    return {
        "interpreter": stamps["start"] - launch,
        "imports": stamps["entry"] - stamps["start"],
        "plan": first - stamps["entry"],
        **inside,
        "chunk rest": (last - first) - sum(inside.values()),
        "finish": exit_ - last,
    }


def goal_seconds(runs: int, kernel_runs_per_s: float) -> float:
    """The longest a sweep of ``runs`` may take to reach the one-worker goal against the kernel."""
    return runs / (targets.ONE_WORKER_VS_KERNEL * kernel_runs_per_s)


def one_round(config: Path, folder: Path, r: int) -> dict[str, float]:
    """Run the stamped sweep once in a child pinned to one CPU; its phases (seconds)."""
    out, stamps_path = folder / f"sweep-{r}", folder / f"stamps-{r}.json"
    command = [sys.executable, str(CHILD), str(config), str(out), str(stamps_path)]
    with engines.pinned(1):
        launch = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        exit_ = time.perf_counter()
    if done.returncode != 0:
        raise RuntimeError(
            f"the stamped sweep exited with {done.returncode}:\n{done.stderr[-800:]}"
        )
    return phase_seconds(launch, exit_, json.loads(stamps_path.read_text()))


def _spread(values: list[float]) -> str:
    """Median (min-max), to the millisecond."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def report(
    rounds: list[dict[str, float]], runs: int, floor: list[float], kernel: list[float]
) -> str:
    """The table this script prints: each phase, the total, the floor, the kernel, the goal.

    Args:
        rounds: each round's :func:`phase_seconds`.
        runs: the sweep's runs.
        floor: each round's start-up floor (seconds).
        kernel: each round's kernel seconds for ``runs`` runs.
    """
    totals = [sum(r.values()) for r in rounds]
    rate = runs / statistics.median(kernel)
    goal = goal_seconds(runs, rate)
    lines = [
        f"{runs:,} runs, one worker on one CPU, {len(rounds)} rounds; seconds, median (min-max)",
        "",
        "| phase | what it holds | seconds |",
        "|---|---|---:|",
    ]
    lines += [
        f"| {name} | {what} | {_spread([r[name] for r in rounds])} |" for name, what in PHASES
    ]
    lines += [
        f"| **total** | launch to exit | {_spread(totals)} |",
        "",
        f"start-up floor (engines.start_floor_seconds): {_spread(floor)} s",
        f"kernel, {runs:,} runs in batches of 2,000: {_spread(kernel)} s ({rate:,.0f} runs/s)",
        f"the goal ({targets.ONE_WORKER_VS_KERNEL:.2f} of the kernel's rate): at most {goal:.3f} s;"
        f" the median sweep is {statistics.median(totals) - goal:+.3f} s from it",
    ]
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=6000, help="runs (a multiple of 100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phases-") as tmp:
        folder = Path(tmp)
        config = engines.write_sweep_config(folder, args.runs)
        with engines.pinned(1):
            engines.kernel_seconds(min(args.runs, 2000), 2000)  # warm: caches, compiled step
        rounds, floor, kernel = [], [], []
        for r in range(args.rounds):
            rounds.append(one_round(config, folder, r))
            with engines.pinned(1):
                floor.append(engines.start_floor_seconds())
                kernel.append(engines.kernel_seconds(args.runs, 2000)[0])
    print(report(rounds, args.runs, floor, kernel))


if __name__ == "__main__":
    main()
