"""The options of ``python -m sim hindcast`` (kept light: ``sim.cli`` imports it at start-up).

This module owns the command's arguments and their defaults; what the command does is
``sim.validation.hindcast.command``.
"""

from __future__ import annotations

import argparse

DEFAULT_ORIGINS = "2016:2023"
"""The origins: every year whose next year has a record, from the third year of the backcast."""
DEFAULT_HORIZONS = "1,2,3"
DEFAULT_RUNS = 100
"""The model's replications per forecast (its ensemble)."""
RECORD_SOURCES = ("nato", "sipri")
"""The tables the record can be read from (``sim.validation.hindcast.record.PanelRecord.load``):
NATO's Table 3, 2014-2024 (the default), or SIPRI's share of GDP, 1990-2024."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``hindcast`` command to ``python -m sim``."""
    p = sub.add_parser(
        "hindcast",
        help="rolling-origin hindcast: fit up to each origin, forecast, score against baselines",
    )
    p.add_argument("config", help="backcast config (TOML), e.g. configs/backcast_2014.toml")
    p.add_argument(
        "--origins",
        default=DEFAULT_ORIGINS,
        help=f"origin years, FIRST:LAST or a list (default {DEFAULT_ORIGINS})",
    )
    p.add_argument(
        "--horizons", default=DEFAULT_HORIZONS, help=f"years ahead (default {DEFAULT_HORIZONS})"
    )
    p.add_argument("--out", help="results folder (default results/hindcast-<scenario>)")
    p.add_argument("--seed", type=int, help="root seed (default: the config's)")
    p.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"the model's replications per forecast (default {DEFAULT_RUNS})",
    )
    p.add_argument(
        "--scheduled-shocks",
        action="store_true",
        help="keep threat shocks the config schedules after the origin (a forecast "
        "conditional on the 2022 invasion); by default the model knows only what was known "
        "at the origin",
    )
    p.add_argument(
        "--record",
        choices=RECORD_SOURCES,
        default=RECORD_SOURCES[0],
        help="the table fitted and scored against: NATO's Table 3, 2014-2024 (default), or "
        "SIPRI's share of GDP, 1990-2024",
    )
    p.add_argument(
        "--baselines-only",
        action="store_true",
        help="score the baselines alone (no fit): with --record sipri, origins from 1992 on",
    )
    p.add_argument(
        "--no-member-multipliers",
        action="store_true",
        help="fit the pooled values and the regions' multipliers only, not each member's (to "
        "judge on the scoreboard whether the per-member multipliers help out of sample)",
    )
    p.add_argument(
        "--pressure-multipliers",
        action="store_true",
        help="fit multipliers of the pressure weight too, per region and member (the fit before "
        "issue 15 dropped them: to compare the two on the scoreboard)",
    )
    p.add_argument(
        "--posterior",
        action="store_true",
        help="also score the posterior-predictive forecast (an ABC-SMC posterior per origin)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an earlier hindcast's folder")
