"""A sweep's final tables and manifest, rebuilt from its chunk files in run_id order.

``runs.parquet``, ``summary.parquet``, ``SHA256SUMS`` and ``manifest.json`` are rebuilt one chunk
at a time, so their bytes depend neither on the order chunks finished in nor on interruptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.params import to_dict
from sim.runs.provenance import git_revision, package_versions
from sim.sweep.files import file_sha256, stream_table, write_json, write_parquet
from sim.sweep.integrity import SUMS, FolderCheck, chunk_name, read_status, write_sums
from sim.sweep.plan import Plan, runs_part
from sim.sweep.store import empty_table


def write_runs(out: Path, plan: Plan, done: set[int]) -> tuple[int, int]:
    """Rebuild runs.parquet from the chunk statuses; return (runs done, runs failed)."""
    counts = [0, 0]

    def parts() -> Iterator[pd.DataFrame]:
        for c in range(plan.n_chunks):
            status = read_status(out, c) if c in done else None
            if status is not None:
                counts[0] += len(status)
                counts[1] += int((status["status"] == "failed").sum())
            yield runs_part(plan, c, status)

    stream_table(out / "runs.parquet", parts())
    return counts[0], counts[1]


def write_summary(out: Path, plan: Plan) -> None:
    """Rebuild summary.parquet from the chunk summaries, in run_id order."""
    files = [out / "chunks" / f"{chunk_name(c)}.summary.parquet" for c in range(plan.n_chunks)]
    rows = stream_table(out / "summary.parquet", (pd.read_parquet(f) for f in files if f.is_file()))
    if rows == 0:  # no successful run: the columns all the same
        write_parquet(empty_table("summary"), out / "summary.parquet")


def sweep_manifest(plan: Plan, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The sweep's manifest: what was run, by which code, with ``info`` (progress, timings)."""
    c = plan.config
    return {
        "kind": "sweep",
        "name": c.name,
        "description": c.description,
        "config_file": str(Path(c.path).resolve()),
        "config": c.resolved(),
        "scenario": {"name": c.scenario.name, "file": c.scenario.path, "params": to_dict(c.base)},
        "n_points": len(plan.design.points),
        "n_runs": plan.n_runs,
        "n_chunks": plan.n_chunks,
        **info,
        "versions": package_versions(),
        "git": git_revision(),
        "config_hash": c.config_hash(),
    }


def start_folder(
    plan: Plan, out: Path, info: dict[str, Any], check: FolderCheck, timings: dict[str, Any]
) -> None:
    """Write an unfinished sweep's manifest, then its design (and SALib problem).

    The manifest comes first: a folder with files but no manifest is not taken for a sweep's.
    The checksum list goes: it is written again when the sweep's tables are whole.
    """
    progress = {"runs_done": check.runs_done, "runs_failed": check.runs_failed, "complete": False}
    write_json(
        sweep_manifest(plan, out, {**info, **progress, "timings": timings}), out / "manifest.json"
    )
    (out / SUMS).unlink(missing_ok=True)
    write_parquet(plan.design.points, out / "design.parquet")
    if plan.design.salib is not None:
        write_json(plan.design.salib, out / "salib_problem.json")


def write_tables(
    out: Path, plan: Plan, files: dict[int, dict[str, str]]
) -> tuple[int, int, dict[str, Any]]:
    """Rebuild runs.parquet, summary.parquet and SHA256SUMS from the chunks' files.

    Args:
        out: the sweep folder.
        plan: the sweep's plan.
        files: every chunk's files with their sha256, by chunk id.

    Returns:
        (runs done, runs failed, the manifest's ``checksums`` entry).
    """
    runs_done, runs_failed = write_runs(out, plan, set(files))
    write_summary(out, plan)
    sums = {name: digest for chunk in files.values() for name, digest in chunk.items()}
    for name in ("design.parquet", "salib_problem.json", "runs.parquet", "summary.parquet"):
        if (out / name).is_file():
            sums[name] = file_sha256(out / name)
    sums_sha = write_sums(out, sums)
    return runs_done, runs_failed, {"file": SUMS, "sha256": sums_sha, "files": len(sums)}
