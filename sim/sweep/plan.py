"""A sweep's plan: the design, every run's seed, and the chunks of consecutive run ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.core.params import PARAM_FIELDS
from sim.sweep.config import SweepConfig
from sim.sweep.designs import Design, make_design, run_plan, seed_table
from sim.sweep.sizing import check_size


@dataclass(frozen=True)
class Plan:
    """Everything a sweep will run: the design, the runs' seeds and the chunks."""

    config: SweepConfig
    design: Design
    seeds: np.ndarray
    """``sim.sweep.designs.seed_table``: one seed per replication (paired) or per run."""

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.design.points) * self.config.replications

    @property
    def n_chunks(self) -> int:
        """Number of chunks (the last may be short)."""
        return -(-self.n_runs // self.config.chunk_size)

    def chunk_rows(self, chunk_id: int) -> slice:
        """The rows (= run ids) of a chunk."""
        size = self.config.chunk_size
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
        )


def make_plan(config: SweepConfig, *, allow_large: bool = False, local_workers: int = 1) -> Plan:
    """Size the sweep, draw the design, validate its points and derive the seeds.

    Args:
        config: the sweep config.
        allow_large: accept more than :data:`MAX_RUNS` runs.
        local_workers: worker processes on this machine (for the memory estimate).

    Raises:
        SweepSizeError: for a sweep too large (:func:`check_size`), before anything is drawn.
        ConfigError: for an invalid design point or an unreadable member table.
    """
    check_size(config, allow_large=allow_large, local_workers=local_workers)
    design = make_design(config)
    seeds = seed_table(len(design.points), config.replications, config.root_seed, config.seeding)
    return Plan(config, design, seeds)


def params_columns(plan: Plan, point_ids: np.ndarray) -> dict[str, Any]:
    """Every parameter's value for the given design points, as columns."""
    base, points, n = plan.config.base, plan.design.points, len(point_ids)
    cols: dict[str, Any] = {}
    for name, f in PARAM_FIELDS.items():
        if name in points.columns:
            cols[name] = points[name].to_numpy()[point_ids]
        else:
            value = getattr(base, name)
            dtype = {"float": float, "int": np.int64, "bool": bool}.get(f.type, object)
            cols[name] = np.full(n, value, dtype=dtype)
    return cols


def runs_part(plan: Plan, chunk_id: int, status: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of ``runs.parquet`` for one chunk (status ``pending`` if not done)."""
    part = plan.chunk_runs(chunk_id)
    if status is None:
        part["status"], part["error"] = "pending", ""
    else:
        part["status"] = status["status"].astype(object).to_numpy()
        part["error"] = status["error"].astype(object).to_numpy()
    extra = pd.DataFrame(params_columns(plan, part["point_id"].to_numpy()))
    return pd.concat([part, extra], axis=1)
