"""A sweep's plan: the design, every run's seed, and the chunks of consecutive run ids."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.sweep.chunking import Chunking
from sim.sweep.config import SweepConfig
from sim.sweep.designs import Design, make_design, run_plan, seed_table
from sim.sweep.partitions import runs_table
from sim.sweep.posterior import SweepDraws
from sim.sweep.sizing import check_size


@dataclass(frozen=True)
class Plan:
    """Everything a sweep will run: the design, the runs' seeds and the chunks."""

    config: SweepConfig
    design: Design
    seeds: np.ndarray
    """``sim.sweep.designs.seed_table``: one seed per replication (paired) or per run."""
    chunking: Chunking
    """The runs per chunk (``sim.sweep.chunking``; a resumed sweep keeps its folder's)."""
    draws: SweepDraws | None = None
    """The posterior draws the runs take (``sim.sweep.posterior``), or None."""

    @property
    def chunk_size(self) -> int:
        """Runs per chunk."""
        return self.chunking.chunk_size

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.design.points) * self.config.replications

    @property
    def n_chunks(self) -> int:
        """Number of chunks (the last may be short)."""
        return -(-self.n_runs // self.chunk_size)

    def with_chunking(self, chunking: Chunking) -> Plan:
        """The same plan cut into chunks of another size (a resumed sweep's recorded one)."""
        return dataclasses.replace(self, chunking=chunking)

    def chunk_rows(self, chunk_id: int) -> slice:
        """The rows (= run ids) of a chunk."""
        size = self.chunk_size
        return slice(chunk_id * size, min((chunk_id + 1) * size, self.n_runs))

    def chunk_runs(self, chunk_id: int) -> pd.DataFrame:
        """run_id, point_id, replication and seed of a chunk's runs."""
        rows, c = self.chunk_rows(chunk_id), self.config
        return run_plan(
            len(self.design.points),
            c.replications,
            c.root_seed,
            c.seeding,
            start=rows.start,
            stop=rows.stop,
            seeds=self.seeds,
            draws=c.draws,
        )

    def points_of(self, point_ids: np.ndarray) -> dict[int, dict[str, Any]]:
        """The axis values of the given design points: ``{point_id: {axis: value}}``."""
        return design_points(self.design.points, point_ids)


def design_points(points: pd.DataFrame, point_ids: np.ndarray) -> dict[int, dict[str, Any]]:
    """The axis values of the given rows of a design table: ``{point_id: {axis: value}}``.

    Args:
        points: the design table (``point_id`` then one column per axis; row = point_id).
        point_ids: the points wanted (repeats allowed).
    """
    unique = np.unique(np.asarray(point_ids, dtype=np.int64))
    axes = [c for c in points.columns if c != "point_id"]
    records = points.iloc[unique][axes].to_dict("records")
    return {int(p): values for p, values in zip(unique, records, strict=True)}


def make_plan(config: SweepConfig, *, allow_large: bool = False, local_workers: int = 1) -> Plan:
    """Size the sweep, choose its chunk size, draw the design, validate it and derive the seeds.

    Args:
        config: the sweep config.
        allow_large: accept more than :data:`MAX_RUNS` runs.
        local_workers: worker processes on this machine (for the memory estimate).

    Raises:
        SweepSizeError: for a sweep too large (:func:`check_size`), before anything is drawn.
        ConfigError: for an invalid design point or an unreadable member table.
    """
    size = check_size(config, allow_large=allow_large, local_workers=local_workers)
    design = make_design(config)
    seeds = seed_table(len(design.points), config.replications, config.root_seed, config.seeding)
    draws = SweepDraws.of(config.posterior, config.root_seed) if config.posterior else None
    return Plan(config, design, seeds, size.chunking, draws)


def runs_part(plan: Plan, chunk_id: int, status: str, error: str = "") -> pa.Table:
    """The rows of ``runs`` for one chunk, every run with the same status and error.

    For the chunks the sweep's process records itself (a chunk whose worker kept dying: failed)
    and the chunks of an interrupted sweep not run yet (pending).
    """
    rows = plan.chunk_runs(chunk_id)
    ids = rows["point_id"].to_numpy()
    columns = {k: rows[k].to_numpy() for k in rows.columns}
    n = len(rows)
    return runs_table(columns, [status] * n, [error] * n, plan.points_of(ids), plan.config.base)
