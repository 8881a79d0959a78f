"""Experimental designs: which parameter points a sweep runs, and each run's seed.

This module owns turning a sweep config's axes into design points and the points into runs:

- ``grid``: the full factorial product of the axes' values (lists, or ``num`` evenly spaced
  points of a range), the last axis varying fastest.
- ``lhs``: a Latin hypercube of ``samples`` points in the ranges (``scipy.stats.qmc``, seeded).
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence
  (``SALib.sample.sobol.sample(problem, N, calc_second_order=..., seed=...)``): ``N * (D + 2)``
  points, or ``N * (2D + 2)`` with second-order indices, in SALib's row order so that
  ``SALib.analyze.sobol.analyze(problem, Y)`` takes the runs' outputs as they are.
- ``morris``: ``samples`` one-at-a-time trajectories of ``D + 1`` points on a ``levels`` grid
  (``SALib.sample.morris.sample``), in SALib's row order for ``SALib.analyze.morris``.

Integer parameters drawn from a range are rounded to the nearest integer; the design table holds
the values the runs used. Runs are numbered ``run_id = point_id * replications + replication``.
Each run's seed comes from :func:`derive_seed`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc

from sim.config import ConfigError
from sim.params import PARAM_FIELDS, ParamError, Params, make_params
from sim.sweep_config import Axis, SweepConfig


@dataclass(frozen=True)
class Design:
    """The design points of a sweep and, for SALib designs, what analysis needs."""

    points: pd.DataFrame
    """``point_id`` then one column per axis, in the sampler's row order."""
    problem: dict[str, Any] | None
    """SALib's problem dict (``num_vars``, ``names``, ``bounds``); None for a grid."""
    salib: dict[str, Any] | None
    """For sobol and morris: the problem plus ``method``, ``N`` and ``calc_second_order`` or
    ``levels`` (written to ``salib_problem.json``)."""

    @property
    def axes(self) -> list[str]:
        """The axis names, in config order."""
        return [c for c in self.points.columns if c != "point_id"]

    def point_values(self, point_id: int) -> dict[str, Any]:
        """One design point as ``{parameter: value}`` with plain Python values."""
        row = self.points.iloc[point_id]
        return {a: _plain(row[a]) for a in self.axes}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def problem_of(axes: tuple[Axis, ...]) -> dict[str, Any]:
    """SALib's problem dict for range axes."""
    return {"num_vars": len(axes), "names": [a.name for a in axes],
            "bounds": [[a.lo, a.hi] for a in axes]}


def _frame(axes: tuple[Axis, ...], columns: list[list[Any]] | np.ndarray) -> pd.DataFrame:
    """Build the design table, rounding integer parameters and typing each column."""
    data: dict[str, Any] = {}
    for j, axis in enumerate(axes):
        col = columns[j] if isinstance(columns, list) else columns[:, j]
        ftype = PARAM_FIELDS[axis.name].type
        if ftype == "int":
            data[axis.name] = np.rint(np.asarray(col, dtype=float)).astype(np.int64)
        elif ftype == "float":
            data[axis.name] = np.asarray(col, dtype=float)
        elif ftype == "bool":
            data[axis.name] = np.asarray(col, dtype=bool)
        else:
            data[axis.name] = pd.array(list(col), dtype=object)
    n = len(next(iter(data.values()))) if data else 0
    frame = pd.DataFrame(data)
    frame.insert(0, "point_id", np.arange(n, dtype=np.int64))
    return frame


def grid_points(axes: tuple[Axis, ...]) -> pd.DataFrame:
    """Full factorial design: every combination of the axes' values (last axis fastest)."""
    levels = [list(a.values) if a.values is not None
              else [float(x) for x in np.linspace(a.lo, a.hi, a.num)] for a in axes]
    rows = list(itertools.product(*levels))
    return _frame(axes, [[r[j] for r in rows] for j in range(len(axes))])


def lhs_points(axes: tuple[Axis, ...], n: int, seed: int) -> pd.DataFrame:
    """Latin hypercube of ``n`` points in the axes' ranges."""
    unit = qmc.LatinHypercube(len(axes), rng=np.random.default_rng(seed)).random(n)
    lo, hi = zip(*problem_of(axes)["bounds"], strict=True)
    return _frame(axes, qmc.scale(unit, lo, hi))


def sobol_points(axes: tuple[Axis, ...], n: int, calc_second_order: bool,
                 seed: int) -> pd.DataFrame:
    """Saltelli's sample for Sobol' indices: N*(D+2) rows, or N*(2D+2) with second order."""
    x = salib_sobol.sample(problem_of(axes), n, calc_second_order=calc_second_order, seed=seed)
    return _frame(axes, x)


def morris_points(axes: tuple[Axis, ...], trajectories: int, levels: int,
                  seed: int) -> pd.DataFrame:
    """Morris trajectories: (D+1) * trajectories rows on a ``levels`` grid."""
    x = salib_morris.sample(problem_of(axes), trajectories, num_levels=levels, seed=seed)
    return _frame(axes, x)


def make_design(config: SweepConfig) -> Design:
    """Draw a sweep's design points and check each one is a valid parameter set.

    Raises:
        ConfigError: naming the first design point whose parameters are invalid together
            (e.g. ``munitions_lead_full_quarters`` below ``munitions_lead_first_quarters``).
    """
    d, axes = config.design, config.axes
    if d.method == "grid":
        points, problem, salib = grid_points(axes), None, None
    else:
        problem = problem_of(axes)
        if d.method == "lhs":
            points, salib = lhs_points(axes, d.samples, d.seed), None
        elif d.method == "sobol":
            points = sobol_points(axes, d.samples, d.calc_second_order, d.seed)
            salib = {**problem, "method": "sobol", "N": d.samples,
                     "calc_second_order": d.calc_second_order, "seed": d.seed}
        else:
            points = morris_points(axes, d.samples, d.levels, d.seed)
            salib = {**problem, "method": "morris", "N": d.samples, "levels": d.levels,
                     "seed": d.seed}
    design = Design(points, problem, salib)
    check_points(design, config.base, config.path)
    return design


def point_params(design: Design, base: Params) -> list[Params]:
    """The parameters of every design point (validated)."""
    return [make_params(design.point_values(i), base=base) for i in range(len(design.points))]


def check_points(design: Design, base: Params, path: str) -> None:
    """Validate every design point against the parameter table.

    Raises:
        ConfigError: for the first invalid point.
    """
    names = design.axes
    seen: set[tuple] = set()
    for row in design.points[names].itertuples(index=False, name=None):
        if row in seen:
            continue
        seen.add(row)
        values = {n: _plain(v) for n, v in zip(names, row, strict=True)}
        try:
            make_params(values, base=base)
        except ParamError as err:
            raise ConfigError(path, "axes", values, f"a valid parameter set at every design "
                              f"point ({err.key} = {err.value!r}: expected {err.expected})"
                              ) from None


def derive_seed(root_seed: int, k: int) -> int:
    """The seed of spawn index ``k`` under ``root_seed``: an integer in [0, 2**63).

    ``SeedSequence(root_seed, spawn_key=(k,))`` is the k-th child of
    ``SeedSequence(root_seed).spawn(...)``; its first two 64-bit state words are XOR-ed and the
    top bit dropped, so the seed fits a signed 64-bit Parquet column.
    """
    words = np.random.SeedSequence(root_seed, spawn_key=(k,)).generate_state(2, np.uint64)
    return (int(words[0]) ^ int(words[1])) & (2**63 - 1)


def run_plan(n_points: int, replications: int, root_seed: int,
             seeding: str = "paired") -> pd.DataFrame:
    """Every run of a sweep: ``run_id``, ``point_id``, ``replication`` and ``seed``.

    ``run_id = point_id * replications + replication``. With ``seeding="paired"`` the spawn
    index is the replication (each point's replication r shares a seed: common random
    numbers); with ``"independent"`` it is the run_id.
    """
    n = n_points * replications
    run_id = np.arange(n, dtype=np.int64)
    point_id, replication = run_id // replications, run_id % replications
    if seeding == "paired":
        seeds = np.array([derive_seed(root_seed, r) for r in range(replications)], dtype=np.int64)
        seed = seeds[replication]
    elif seeding == "independent":
        seed = np.array([derive_seed(root_seed, int(k)) for k in run_id], dtype=np.int64)
    else:
        raise ValueError(f"seeding {seeding!r}: expected paired or independent")
    return pd.DataFrame({"run_id": run_id, "point_id": point_id, "replication": replication,
                         "seed": seed})
