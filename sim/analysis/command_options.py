"""The options of ``sim report`` and ``sim discover``: their argument parsers, nothing else.

This module owns what the two analysis commands accept, so that the command line
(``sim.cli``) stays a thin shell; it imports only argparse, so ``sim --help`` stays fast. The
commands themselves are ``sim.analysis.report`` and ``sim.analysis.discovery_command``.
"""

from __future__ import annotations

import argparse


def add_report_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``report`` command's parser and its options; returns the parser."""
    p = sub.add_parser("report", help="figures and tables from a sweep folder")
    p.add_argument("sweep_dir", help="a sweep's results folder")
    p.add_argument("--out", help="report folder (default SWEEP_DIR/report)")
    p.add_argument(
        "--axes",
        nargs=2,
        metavar=("X", "Y"),
        help="two swept axes for the regime map (default: the first two)",
    )
    p.add_argument(
        "--by",
        metavar="AXIS",
        help="draw one line per level of this swept axis, the others held at the reference "
        "point (default: the first swept axis)",
    )
    p.add_argument(
        "--reference",
        nargs="+",
        metavar="AXIS=VALUE",
        help="the reference point of the paired differences, as AXIS=VALUE pairs (axes not "
        "named keep point 0's values) or a design point's index (default: point 0)",
    )
    p.add_argument(
        "--outcomes",
        metavar="A,B,...",
        help="the outcomes the figures and tables show, comma-separated (e.g. "
        "final_alliance_core_share_pct,peak_munitions_ratio; default: the main ones)",
    )
    return p


def add_discover_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``discover`` command's parser (scenario discovery with PRIM); returns it."""
    p = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM): which parameter ranges of a sweep lead to an outcome",
    )
    p.add_argument("sweep_dir", help="a sweep's results folder")
    p.add_argument(
        "--outcome", required=True, help="a summary column, e.g. final_alliance_core_share_pct"
    )
    p.add_argument("--below", type=float, help="the cases: runs whose outcome is below this")
    p.add_argument("--above", type=float, help="the cases: runs whose outcome is above this")
    p.add_argument(
        "--density",
        type=float,
        default=None,
        help="the density the reported box must reach (default 0.8: "
        "sim.analysis.discovery.DEFAULT_DENSITY)",
    )
    p.add_argument("--out", help="folder (default SWEEP_DIR/discovery-<outcome>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier discovery's folder")
    return p
