"""Running one scenario into its own results folder.

This module owns the ``run`` command's library function: simulate a scenario, then write
``alliance.parquet``, ``members.parquet`` (and CSV copies on request), ``summary.json``,
``manifest.json`` (of kind ``"run"``) and the run figure (PNG and PDF), all at once or not at
all, by one writer at a time, and never over a folder that ``sim.runs.outputs.check_replaceable``
refuses (see ``sim.runs.outputs`` for the rules). It also owns a run's default folder,
``results/<name>-seed<seed>``, with ``-set-<hash of the --set overrides>`` appended for a run
with overrides (:func:`default_out`).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.config import Scenario
from sim.core.ensemble import simulate
from sim.core.params import to_dict
from sim.core.summary import summarise, summary_dict
from sim.runs.figure import run_figure
from sim.runs.outputs import output_folder
from sim.runs.provenance import git_revision, package_versions

RUN_KIND = "run"
"""The manifest ``kind`` of a run's folder (a sweep's is ``"sweep"``)."""
RESULTS = Path("results")
"""Where runs go by default, from the current folder."""


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
    violation = traj.violations[0] if traj.violations else ""
    summary = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "start": traj.quarters[0],
        "end": traj.quarters[-1],
        "status": f"failed: {violation}" if violation else "ok",
        **summary_dict(row, len(traj.iso3)),
    }
    return alliance, members, summary


def resolved_overrides(scenario: Scenario, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The overridden parameters with the values the run used (after conversion), by name."""
    values = to_dict(scenario.params)
    return {key: values[key] for key in sorted(overrides or {})}


def overrides_hash(overrides: dict[str, Any]) -> str:
    """A short stable hash of resolved overrides: 8 hex digits of SHA-256 of sorted JSON."""
    text = json.dumps(overrides, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def overrides_label(overrides: dict[str, Any]) -> str:
    """``key=value, ...`` of resolved overrides, for a figure title."""
    return ", ".join(f"{key}={value}" for key, value in sorted(overrides.items()))


def default_out(scenario: Scenario, overrides: dict[str, Any] | None = None) -> Path:
    """The default results folder of a run: ``results/<name>-seed<seed>[-set-<hash>]``.

    A run with ``--set`` overrides gets ``-set-`` and :func:`overrides_hash` of the overridden
    parameters' values appended, so it never shares the folder of the run without them.
    """
    name = f"{scenario.name}-seed{scenario.seed}"
    resolved = resolved_overrides(scenario, overrides)
    if resolved:
        name += f"-set-{overrides_hash(resolved)}"
    return RESULTS / name


def run_scenario(
    scenario: Scenario,
    out: Path | None,
    *,
    csv: bool = False,
    overwrite: bool = False,
    command: str = "",
    overrides: dict[str, Any] | None = None,
) -> RunResult:
    """Simulate a scenario and write its results folder.

    The folder is claimed (locked and checked, ``sim.runs.outputs.output_folder``) before the
    simulation and written whole at the end, so a refused folder costs no simulation and a
    failed write leaves nothing behind.

    Args:
        scenario: the resolved scenario (``sim.core.config.load_scenario``).
        out: the results folder (None: simulate without writing).
        csv: also write CSV copies of the tables.
        overwrite: replace an existing folder if ``sim.runs.outputs.check_replaceable`` allows it
            (a run's folder, or an empty one).
        command: the command line, recorded in the manifest.
        overrides: the ``--set`` parameter overrides already applied to ``scenario``, recorded
            in the manifest and the figure's title.

    Returns:
        The run's tables, summary and folder.

    Raises:
        sim.runs.outputs.OutputFolderError: if ``out`` may not be written (it exists without
            ``overwrite``, may not be replaced, is being written by another process, appeared
            during the run) or writing it failed (naming the path and the OS's reason).
    """
    if out is None:
        alliance, members, summary = simulate_scenario(scenario)
        return RunResult(alliance, members, summary, None)
    resolved = resolved_overrides(scenario, overrides)
    title = f"{scenario.name} (seed {scenario.seed})"
    if resolved:
        title += "\n" + textwrap.fill(f"--set {overrides_label(resolved)}", 110)
    with output_folder(out, RUN_KIND, overwrite=overwrite) as folder:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        alliance, members, summary = simulate_scenario(scenario)
        seconds = time.perf_counter() - t0
        with folder.write() as tmp:
            _write_tables(tmp, alliance, members, summary, csv=csv)
            run_figure(alliance, title, tmp / "figure")
            manifest = {
                **_manifest(scenario, resolved, command, started, seconds),
                "files": sorted(p.name for p in tmp.iterdir()) + ["manifest.json"],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return RunResult(alliance, members, summary, Path(out))


def _write_tables(
    tmp: Path, alliance: pd.DataFrame, members: pd.DataFrame, summary: dict[str, Any], *, csv: bool
) -> None:
    """Write a run's tables (Parquet, and CSV copies on request) and its ``summary.json``."""
    alliance.to_parquet(tmp / "alliance.parquet", index=False)
    members.to_parquet(tmp / "members.parquet", index=False)
    if csv:
        alliance.to_csv(tmp / "alliance.csv", index=False)
        members.to_csv(tmp / "members.csv", index=False)
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def _manifest(
    scenario: Scenario,
    resolved: dict[str, Any],
    command: str,
    started: datetime,
    seconds: float,
) -> dict[str, Any]:
    """A run's manifest, all but the list of its files (which the caller adds last)."""
    return {
        "kind": RUN_KIND,
        "scenario": scenario.name,
        "description": scenario.description,
        "config_files": list(scenario.chain),
        "seed": scenario.seed,
        "overrides": resolved,
        "params": to_dict(scenario.params),
        "command": command,
        "versions": package_versions(),
        "git": git_revision(),
        "started_utc": started.isoformat(timespec="seconds"),
        "run_seconds": round(seconds, 4),
    }
