"""A sweep's folder-level files: the manifest, the design and the checksum list.

The chunks' partitions are written by the workers (``sim.sweep.execution``); the sweep's process
writes only what does not grow with the runs but by a line per file: the manifest and the design
(and SALib problem) at the start, and at the end ``SHA256SUMS``, assembled from the sha256 the
workers recorded when they wrote their files (nothing is read again), and the final manifest. Its
bytes depend neither on the order chunks finished in nor on interruptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.core.params import to_dict
from sim.runs.provenance import git_revision, package_versions
from sim.sweep.files import LAYOUT, file_sha256, write_json, write_parquet
from sim.sweep.integrity import SUMS, FolderCheck, write_sums
from sim.sweep.plan import Plan


def sweep_manifest(plan: Plan, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The sweep's manifest: what was run, by which code, with ``info`` (progress, timings)."""
    c = plan.config
    return {
        "kind": "sweep",
        "layout": LAYOUT,
        "name": c.name,
        "description": c.description,
        "config_file": str(Path(c.path).resolve()),
        "config": c.resolved(),
        "scenario": {"name": c.scenario.name, "file": c.scenario.path, "params": to_dict(c.base)},
        "n_points": plan.design.points.num_rows,
        "n_runs": plan.n_runs,
        "n_chunks": plan.n_chunks,
        "chunk_size": plan.chunk_size,
        "chunk_size_reason": plan.chunking.reason,
        **info,
        "versions": package_versions(),
        "git": git_revision(),
        "config_hash": c.config_hash(),
    }


def start_folder(
    plan: Plan, out: Path, info: dict[str, Any], check: FolderCheck, timings: dict[str, Any]
) -> dict[str, str]:
    """Write an unfinished sweep's manifest, then its design (and SALib problem).

    The manifest comes first: a folder with files but no manifest is not taken for a sweep's.
    The checksum list goes: it is written again when the sweep is whole.

    Returns:
        ``{file: sha256}`` of the design (and the SALib problem), for ``SHA256SUMS``.
    """
    progress = {"runs_done": check.runs_done, "runs_failed": check.runs_failed, "complete": False}
    write_json(
        sweep_manifest(plan, out, {**info, **progress, "timings": timings}), out / "manifest.json"
    )
    (out / SUMS).unlink(missing_ok=True)
    sums = {"design.parquet": write_parquet(plan.design.points, out / "design.parquet")}
    if plan.design.salib is not None:
        write_json(plan.design.salib, out / "salib_problem.json")
        sums["salib_problem.json"] = file_sha256(out / "salib_problem.json")
    return sums


def write_checksums(
    out: Path, chunks: dict[int, dict[str, str]], own: dict[str, str]
) -> dict[str, Any]:
    """Write ``SHA256SUMS`` from the sha256 recorded for every file; nothing is read again.

    Args:
        out: the sweep folder.
        chunks: every chunk's files with their sha256, by chunk id (as its workers recorded
            them, or as checked when the sweep resumed).
        own: the folder-level files the sweep's process wrote, with their sha256.

    Returns:
        The manifest's ``checksums`` entry: the file, its sha256 and the number of files listed.
    """
    sums = {name: digest for files in chunks.values() for name, digest in files.items()}
    sums.update(own)
    return {"file": SUMS, "sha256": write_sums(out, sums), "files": len(sums)}
