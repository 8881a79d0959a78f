"""A sweep's plan: the design, every run's seed, and the chunks of consecutive run ids."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sim.sweep.chunking import Chunking
from sim.sweep.config import SweepConfig
from sim.sweep.designs import Design, make_design, run_plan, seed_table
from sim.sweep.partitions import runs_table
from sim.sweep.sizing import check_size

if TYPE_CHECKING:  # its module imports pandas, which a sweep without posterior draws does not
    from sim.sweep.posterior import SweepDraws


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
        return self.design.points.num_rows * self.config.replications

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

    def chunk_runs(self, chunk_id: int) -> dict[str, np.ndarray]:
        """run_id, point_id, replication and seed of a chunk's runs (``designs.run_plan``)."""
        rows, c = self.chunk_rows(chunk_id), self.config
        return run_plan(
            self.design.points.num_rows,
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


def design_points(points: pa.Table, point_ids: np.ndarray) -> dict[int, dict[str, Any]]:
    """The axis values of the given rows of a design table: ``{point_id: {axis: value}}``.

    Args:
        points: the design table (``point_id`` then one column per axis; row = point_id).
        point_ids: the points wanted (repeats allowed).

    Returns:
        Plain Python values (``int``, ``float``, ``bool``, ``str``), by point.
    """
    # sorted by Python, not np.unique: that loads numpy.ma (about 4 ms of a sweep's start)
    unique = sorted(set(np.asarray(point_ids, dtype=np.int64).tolist()))
    columns = {c: points.column(c) for c in points.column_names if c != "point_id"}
    return {p: {a: col[p].as_py() for a, col in columns.items()} for p in unique}


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
    seeds = seed_table(
        design.points.num_rows, config.replications, config.root_seed, config.seeding
    )
    draws = None
    if config.posterior:
        from sim.sweep.posterior import SweepDraws

        draws = SweepDraws.of(config.posterior, config.root_seed)
    return Plan(config, design, seeds, size.chunking, draws)


def runs_part(plan: Plan, chunk_id: int, status: str, error: str = "") -> pa.Table:
    """The rows of ``runs`` for one chunk, every run with the same status and error.

    For the chunks the sweep's process records itself (a chunk whose worker kept dying: failed)
    and the chunks of an interrupted sweep not run yet (pending).
    """
    rows = plan.chunk_runs(chunk_id)
    n = len(rows["run_id"])
    return runs_table(
        rows, [status] * n, [error] * n, plan.points_of(rows["point_id"]), plan.config.base
    )
