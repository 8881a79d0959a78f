"""The options of ``python -m sim sweep`` (kept light: ``sim.cli`` imports it at start-up).

This module owns the command's arguments; what the command does is ``sim.sweep.runner``
(``cli_sweep``). It imports only ``argparse``, so that the command reaches its workers' start
(``sim.sweep.pool.start_early``) before it imports numpy.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to ``python -m sim``; return its parser."""
    p = sub.add_parser("sweep", help="run a parameter sweep")
    p.add_argument("config", help="sweep config (TOML)")
    p.add_argument("--out", help="sweep folder (default results/sweeps/<name>)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler")
    p.add_argument("--cluster", choices=["local"], help="start a Dask LocalCluster on 127.0.0.1")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--csv",
        action="store_true",
        help="also write CSV copies of the tables (runs.csv, summary.csv, design.csv, "
        "alliance.csv, members.csv if kept) beside the Parquet datasets",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="accept more than 10,000,000 runs (memory and disk are still checked)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="draw and check the design, print its runs, memory and disk; run nothing",
    )
    return p
