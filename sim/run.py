"""Running one scenario into its own results folder.

This module owns the ``run`` command's library function: simulate a scenario, then write
``alliance.parquet``, ``members.parquet`` (and CSV copies on request), ``summary.json``,
``manifest.json`` and the run figure (PNG and PDF), all at once or not at all.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.ensemble import simulate
from sim.figures import run_figure
from sim.params import to_dict
from sim.provenance import atomic_folder, git_revision, package_versions
from sim.summary import summarise, summary_dict


@dataclass(frozen=True)
class RunResult:
    """What a run produced: its tables, its summary and the folder written (if any)."""

    alliance: pd.DataFrame
    members: pd.DataFrame
    summary: dict[str, Any]
    out: Path | None


def simulate_scenario(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Simulate one scenario and return its alliance table, member table and summary."""
    traj = simulate([scenario.params], [scenario.seed], keep_members=True)
    alliance = traj.alliance_frame().drop(columns="run_id")
    members = traj.member_frame().drop(columns="run_id")
    row = summarise(traj.alliance, traj.quarters, [scenario.params], len(traj.iso3)).iloc[0]
    summary = {"scenario": scenario.name, "seed": scenario.seed, "start": traj.quarters[0],
               "end": traj.quarters[-1], **summary_dict(row, len(traj.iso3))}
    return alliance, members, summary


def run_scenario(scenario: Scenario, out: Path | None, *, csv: bool = False,
                 overwrite: bool = False, command: str = "") -> RunResult:
    """Simulate a scenario and write its results folder.

    Args:
        scenario: the resolved scenario (``sim.config.load_scenario``).
        out: the results folder (None: simulate without writing).
        csv: also write CSV copies of the tables.
        overwrite: replace an existing folder.
        command: the command line, recorded in the manifest.

    Returns:
        The run's tables, summary and folder.

    Raises:
        FileExistsError: if ``out`` exists and ``overwrite`` is false (checked before running).
    """
    if out is not None and Path(out).exists() and not overwrite:
        raise FileExistsError(f"{out} already exists: choose another --out or pass --overwrite")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    alliance, members, summary = simulate_scenario(scenario)
    seconds = time.perf_counter() - t0
    if out is None:
        return RunResult(alliance, members, summary, None)
    with atomic_folder(Path(out), overwrite=overwrite) as tmp:
        alliance.to_parquet(tmp / "alliance.parquet", index=False)
        members.to_parquet(tmp / "members.parquet", index=False)
        if csv:
            alliance.to_csv(tmp / "alliance.csv", index=False)
            members.to_csv(tmp / "members.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        run_figure(alliance, f"{scenario.name} (seed {scenario.seed})", tmp / "figure")
        manifest = {
            "kind": "run",
            "scenario": scenario.name,
            "description": scenario.description,
            "config_files": list(scenario.chain),
            "seed": scenario.seed,
            "params": to_dict(scenario.params),
            "command": command,
            "versions": package_versions(),
            "git": git_revision(),
            "started_utc": started.isoformat(timespec="seconds"),
            "run_seconds": round(seconds, 4),
            "files": sorted(p.name for p in tmp.iterdir()) + ["manifest.json"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return RunResult(alliance, members, summary, Path(out))
