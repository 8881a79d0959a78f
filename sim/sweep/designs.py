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

:func:`count_points` gives a design's size from the config alone, so that a sweep can be sized
(``sim.sweep.sizing.check_size``) before any point is drawn. The design's points are checked against
the parameter table, and the member table each distinct set of structural parameters names is
loaded, before anything runs (:func:`check_points`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.core.config import ConfigError
from sim.core.data import DataError
from sim.core.ensemble import derive_seed as derive_seed  # the rule lives with the seeds
from sim.core.params import PARAM_FIELDS, STRUCTURAL, ParamError, Params, make_params
from sim.sweep.arrow_arrays import array
from sim.sweep.config import Axis, SweepConfig

_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
"""The design table's column type for each parameter type (``sim.core.params``)."""


@dataclass(frozen=True)
class Design:
    """The design points of a sweep and, for SALib designs, what analysis needs."""

    points: pa.Table
    """``point_id`` then one column per axis, in the sampler's row order (an Arrow table: a sweep
    is planned without importing pandas; ``SweepResult.design`` reads it as a DataFrame)."""
    problem: dict[str, Any] | None
    """SALib's problem dict (``num_vars``, ``names``, ``bounds``); None for a grid."""
    salib: dict[str, Any] | None
    """For sobol and morris: the problem plus ``method``, ``N`` and ``calc_second_order`` or
    ``levels`` (written to ``salib_problem.json``)."""

    @property
    def axes(self) -> list[str]:
        """The axis names, in config order."""
        return [c for c in self.points.column_names if c != "point_id"]


def problem_of(axes: tuple[Axis, ...]) -> dict[str, Any]:
    """SALib's problem dict for range axes."""
    return {
        "num_vars": len(axes),
        "names": [a.name for a in axes],
        "bounds": [[a.lo, a.hi] for a in axes],
    }


def _typed(name: str, col: Any) -> np.ndarray:
    """A design column with its parameter's type (integers rounded to the nearest)."""
    ftype = PARAM_FIELDS[name].type
    if ftype == "int":
        return np.rint(np.asarray(col, dtype=float)).astype(np.int64)
    if ftype == "float":
        return np.asarray(col, dtype=float)
    if ftype == "bool":
        return np.asarray(col, dtype=bool)
    out = np.empty(len(col), dtype=object)  # strings (file names): an Arrow string column
    out[:] = list(col)
    return out


def _frame(
    axes: tuple[Axis, ...], columns: list[Any] | np.ndarray, typed: bool = False
) -> pa.Table:
    """Build the design table, rounding integer parameters and typing each column."""
    data: dict[str, Any] = {}
    for j, axis in enumerate(axes):
        col = columns[j] if isinstance(columns, list) else columns[:, j]
        data[axis.name] = col if typed else _typed(axis.name, col)
    n = len(next(iter(data.values()))) if data else 0
    columns = {"point_id": array(np.arange(n, dtype=np.int64), pa.int64())}
    for name, values in data.items():  # built from buffers: pyarrow.array would import pandas
        columns[name] = array(values, _ARROW_TYPES[PARAM_FIELDS[name].type])
    return pa.table(columns)


def _levels(axis: Axis) -> list[Any]:
    """A grid axis's values: its list, or ``num`` evenly spaced points of its range."""
    if axis.values is not None:
        return list(axis.values)
    return [float(x) for x in np.linspace(axis.lo, axis.hi, axis.num)]


def grid_points(axes: tuple[Axis, ...]) -> pa.Table:
    """Full factorial design: every combination of the axes' values (last axis fastest).

    Each column is its axis's typed values indexed by position, so memory holds the table
    itself (and one index array at a time), never a Python object per combination.
    """
    levels = [_levels(a) for a in axes]
    sizes = [len(v) for v in levels]
    n = math.prod(sizes)
    columns: list[Any] = []
    for j, axis in enumerate(axes):
        stride = math.prod(sizes[j + 1 :])
        idx = (np.arange(n, dtype=np.int64) // stride) % sizes[j]
        values = _typed(axis.name, levels[j])
        columns.append(values[idx])
    return _frame(axes, columns, typed=True)


def count_points(config: SweepConfig) -> int:
    """The number of design points the config asks for, without drawing them.

    grid: the product of the axes' lengths; lhs: ``samples``; sobol: ``N (D + 2)``, or
    ``N (2D + 2)`` with second-order indices; morris: ``N (D + 1)`` (``D`` axes, ``N`` samples).
    """
    d, axes = config.design, config.axes
    if d.method == "grid":
        return math.prod(len(a.values) if a.values is not None else a.num for a in axes)
    n, dims = d.samples, len(axes)
    if d.method == "lhs":
        return n
    if d.method == "sobol":
        return n * (2 * dims + 2 if d.calc_second_order else dims + 2)
    return n * (dims + 1)


def lhs_points(axes: tuple[Axis, ...], n: int, seed: int) -> pa.Table:
    """Latin hypercube of ``n`` points in the axes' ranges."""
    from scipy.stats import qmc  # imported here: a grid sweep needs no SciPy

    unit = qmc.LatinHypercube(len(axes), rng=np.random.default_rng(seed)).random(n)
    lo, hi = zip(*problem_of(axes)["bounds"], strict=True)
    return _frame(axes, qmc.scale(unit, lo, hi))


def sobol_points(axes: tuple[Axis, ...], n: int, calc_second_order: bool, seed: int) -> pa.Table:
    """Saltelli's sample for Sobol' indices: N*(D+2) rows, or N*(2D+2) with second order."""
    from SALib.sample import sobol as salib_sobol  # imported here: SALib imports SciPy

    x = salib_sobol.sample(problem_of(axes), n, calc_second_order=calc_second_order, seed=seed)
    return _frame(axes, x)


def morris_points(axes: tuple[Axis, ...], trajectories: int, levels: int, seed: int) -> pa.Table:
    """Morris trajectories: (D+1) * trajectories rows on a ``levels`` grid."""
    from SALib.sample import morris as salib_morris  # imported here: SALib imports SciPy

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
            salib = {
                **problem,
                "method": "sobol",
                "N": d.samples,
                "calc_second_order": d.calc_second_order,
                "seed": d.seed,
            }
        else:
            points = morris_points(axes, d.samples, d.levels, d.seed)
            salib = {
                **problem,
                "method": "morris",
                "N": d.samples,
                "levels": d.levels,
                "seed": d.seed,
            }
    design = Design(points, problem, salib)
    check_points(design, config.base, config.path, config.overrides)
    return design


def check_points(
    design: Design, base: Params, path: str, overrides: dict[str, Any] | None = None
) -> None:
    """Validate every design point, and the member table of each structural parameter set.

    Each distinct point is checked against the parameter table; for each distinct set of
    structural parameters (``sim.core.params.STRUCTURAL``: the member and behaviour files, the data
    year, ...) the member table is loaded, so that a missing or malformed ``members_file`` is
    refused here rather than failing every run that uses it.

    Args:
        design: the design.
        base: the parameters every run starts from.
        path: the sweep config (for error messages).
        overrides: the config's ``[set]`` table (for error messages).

    Raises:
        ConfigError: for the first invalid point or unreadable member table, naming the axis
            (or the ``[set]`` key, or the scenario) that gives the table.
    """
    from sim.core.members import members_of

    names = design.axes
    structural: dict[tuple, dict[str, Any]] = {}
    rows = zip(*(design.points.column(n).to_pylist() for n in names), strict=True)
    for row in dict.fromkeys(rows):  # the distinct points, in order
        values = dict(zip(names, row, strict=True))
        try:
            params = make_params(values, base=base)
        except ParamError as err:
            raise ConfigError(
                path,
                "axes",
                values,
                f"a valid parameter set at every design "
                f"point ({err.key} = {err.value!r}: expected {err.expected})",
            ) from None
        key = tuple(getattr(params, n) for n in STRUCTURAL)
        if key not in structural:
            structural[key] = values
            try:
                members_of(params)
            except DataError as err:
                key = _file_key(err, values, overrides or {})
                value = values.get(
                    key.removeprefix("axes."), getattr(base, key.split(".")[-1], None)
                )
                raise ConfigError(path, key, value, f"a readable member table ({err})") from None


def _file_key(err: DataError, values: dict[str, Any], overrides: dict[str, Any]) -> str:
    """The config key that names the file a member table could not be read from."""
    for prefix, table in (("axes", values), ("set", overrides)):
        named = [n for n in STRUCTURAL if n in table]
        for n in named:
            if str(table[n]) and str(table[n]) in str(err):
                return f"{prefix}.{n}"
        if named:
            return f"{prefix}.{named[0]}"
    return "scenario"


def seed_table(
    n_points: int, replications: int, root_seed: int, seeding: str = "paired"
) -> np.ndarray:
    """The seeds a sweep's runs draw from: one per replication (paired) or per run (independent).

    Raises:
        ValueError: for an unknown seeding.
    """
    if seeding == "paired":
        n = replications
    elif seeding == "independent":
        n = n_points * replications
    else:
        raise ValueError(f"seeding {seeding!r}: expected paired or independent")
    return np.array([derive_seed(root_seed, k) for k in range(n)], dtype=np.int64)


def run_plan(
    n_points: int,
    replications: int,
    root_seed: int,
    seeding: str = "paired",
    *,
    start: int = 0,
    stop: int | None = None,
    seeds: np.ndarray | None = None,
    draws: int = 1,
) -> dict[str, np.ndarray]:
    """The runs of a sweep with ids in ``[start, stop)``: run_id, point_id, replication, seed.

    ``run_id = point_id * replications + replication``. With ``seeding="paired"`` the spawn
    index is the replication (each point's replication r shares a seed: common random
    numbers); with ``"independent"`` it is the run_id.

    Args:
        n_points: design points.
        replications: runs per point.
        root_seed: the sweep's root seed.
        seeding: ``paired`` or ``independent``.
        start: the first run id.
        stop: one past the last run id (default: every run).
        seeds: :func:`seed_table` of the same arguments, if already computed.
        draws: posterior draws per point (``sim.sweep.posterior``): replication k runs draw
            ``k % draws`` with the paired seed of replication ``k // draws``.
    """
    n = n_points * replications
    stop = n if stop is None else min(stop, n)
    if seeds is None:
        seeds = seed_table(n_points, replications, root_seed, seeding)
    run_id = np.arange(start, stop, dtype=np.int64)
    point_id, replication = run_id // replications, run_id % replications
    seed = seeds[replication // draws] if seeding == "paired" else seeds[run_id]
    return {"run_id": run_id, "point_id": point_id, "replication": replication, "seed": seed}
