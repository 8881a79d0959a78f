"""Scenario discovery: which combinations of a sweep's parameters lead to an outcome (PRIM).

This module owns ``python -m sim discover SWEEP_DIR --outcome COLUMN (--below V | --above V)``:
the Patient Rule Induction Method (Friedman & Fisher 1999; as used for scenario discovery by
Bryant & Lempert 2010 and the EMA Workbench) run by the ``prim`` package (Project Platypus) on a
sweep's successful runs. The inputs are every parameter that varies across the runs (the swept
axes and, in a sweep with a ``[posterior]`` table, the drawn behaviour); the cases are the runs
whose outcome is below (or above) the value. PRIM peels the parameter space box by box toward
the cases; each box on the peeling trajectory has a **coverage** (the share of all cases inside
it), a **density** (the share of the runs inside it that are cases) and a **mass** (the share
of runs inside it). The box reported is the one with the highest coverage among those whose
density reaches ``--density`` (default 0.8; the densest box when none does), stated in plain
language with its limits.

It writes into ``SWEEP_DIR/discovery-<outcome>/`` (or ``--out``), whole or not at all:
``peeling.csv`` (the trajectory), ``box.csv`` (the chosen box's limits on the parameters it
restricts, with PRIM's quasi-p-values), ``tradeoff.png``/``.pdf`` (coverage against density,
the chosen box marked), ``discovery.json`` (the statement and its numbers) and ``manifest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.errors import UserError

DEFAULT_DENSITY = 0.8
"""The density the reported box must reach (a box where 4 runs in 5 show the outcome)."""


class DiscoveryError(ValueError, UserError):
    """An outcome, a condition or a sweep that PRIM cannot work on."""


@dataclass(frozen=True)
class Discovery:
    """PRIM's result: the trajectory, the chosen box and its statement."""

    trajectory: pd.DataFrame
    """One row per box: ``box``, ``coverage``, ``density``, ``mass``, ``restricted``."""
    box: pd.DataFrame
    """The chosen box's limits: ``parameter``, ``min``, ``max``, ``qp_value`` (restricted only)."""
    chosen: int
    cases: int
    runs: int

    @property
    def stats(self) -> pd.Series:
        """The chosen box's row of the trajectory."""
        return self.trajectory.loc[self.chosen]


def inputs_of(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """The parameters that vary across the runs (numeric), as PRIM's inputs.

    Raises:
        DiscoveryError: when no numeric parameter varies (nothing to discover).
    """
    columns = [
        c
        for c in parameters
        if c in runs and pd.api.types.is_numeric_dtype(runs[c]) and runs[c].nunique() > 1
    ]
    if not columns:
        raise DiscoveryError("no numeric parameter varies across the sweep's runs: nothing to find")
    return runs[columns].astype(float).reset_index(drop=True)


def discover(x: pd.DataFrame, cases: np.ndarray, density: float = DEFAULT_DENSITY) -> Discovery:
    """Run PRIM on the inputs ``x`` (one row per run) for the boolean ``cases``.

    Raises:
        DiscoveryError: no case, or every run a case (no box can say anything), or a density
            outside (0, 1].
    """
    import prim

    y = np.asarray(cases, dtype=bool)
    if not 0 < density <= 1:
        raise DiscoveryError(f"--density {density}: expected a share in (0, 1]")
    if y.sum() == 0 or y.all():
        share = "no run" if y.sum() == 0 else "every run"
        raise DiscoveryError(
            f"{share} of {len(y)} meets the condition: PRIM needs runs on both sides of it"
        )
    found = prim.Prim(x, y.astype(float), threshold=0.5, threshold_type=">").find_box()
    peel = found.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "box": np.arange(len(peel)),
            "coverage": peel["coverage"].to_numpy(dtype=float),
            "density": peel["density"].to_numpy(dtype=float),
            "mass": peel["mass"].to_numpy(dtype=float),
            "restricted": peel["res dim"].to_numpy(dtype=int),
        }
    )
    dense = trajectory[trajectory["density"] >= density]
    chosen = int(dense["coverage"].idxmax()) if len(dense) else int(trajectory["density"].idxmax())
    found.select(chosen)
    return Discovery(trajectory, _box(found.limits), chosen, int(y.sum()), len(y))


def _box(limits: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's limits as a tidy table (``prim``'s ``limits``: min, max, qp values)."""
    return pd.DataFrame(
        {
            "parameter": list(limits.index),
            "min": limits["min"].to_numpy(dtype=float),
            "max": limits["max"].to_numpy(dtype=float),
            "qp_value": limits["qp values"].to_numpy(dtype=float),
        }
    )


def statement(found: Discovery, condition: str, x: pd.DataFrame) -> str:
    """The chosen box in one plain sentence (limits at a parameter's range are left out)."""
    parts = []
    for row in found.box.itertuples():
        lo, hi = x[row.parameter].min(), x[row.parameter].max()
        if row.min > lo and row.max < hi:
            parts.append(f"{row.parameter} between {row.min:.3g} and {row.max:.3g}")
        elif row.min > lo:
            parts.append(f"{row.parameter} at least {row.min:.3g}")
        elif row.max < hi:
            parts.append(f"{row.parameter} at most {row.max:.3g}")
    where = " and ".join(parts) if parts else "anywhere in the sweep"
    s = found.stats
    return (
        f"With {where} ({s['mass']:.0%} of the runs), {condition} in {s['density']:.0%} of the "
        f"runs; the box holds {s['coverage']:.0%} of the {found.cases} runs of {found.runs} "
        "where it happens."
    )


__all__ = [
    "DEFAULT_DENSITY",
    "Discovery",
    "DiscoveryError",
    "discover",
    "inputs_of",
    "statement",
]
