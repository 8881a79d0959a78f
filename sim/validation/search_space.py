"""The calibration's search space: what is fitted, its bounds, and a search vector's parameters.

This module owns the coordinates of the search vector of ``python -m sim calibrate``
(:class:`Coordinate`; :class:`SearchSpace`) and how hard the search looks (:class:`Budget`); what
the fit is compared with is ``sim.validation.fit_targets``, the loss ``sim.validation.loss``, and
the two are put together by ``sim.validation.objective``.

**What is fitted.** The pooled parameters of :data:`POOLED` (adjustment speed, threat
sensitivity, hegemon pressure, peer conformity, threat memory, the margin above the target
members aim for, and the size of the start shock) and per-region multipliers
(``sim.core.data.load_region_behaviour``) of the threat sensitivity, fitted on a log scale with
the frontline region fixed at 1 as the reference (without it the pooled value and the
multipliers would only be identified as products). Multipliers of the pressure weight (the
western region the reference) are fitted only with ``Budget(pressure_multipliers=True)``: the
record identified none of them, and the scoreboard forecasts no worse without them
(docs/VALIDATION.md §4); they stay at 1. The threat shock of 2022 is fixed at 1 threat unit:
only its product with the threat sensitivity is identified.

**Members.** Then per-member multipliers of the same term(s), relative to the member's region
(``sim.core.data.load_member_behaviour``, written to ``configs/data/behaviour_by_member.csv``),
shrunk toward 1 by a ridge (``sim.validation.loss.MEMBER_PRIOR_WEIGHT``; partial pooling). They
stand for what no sourced member attribute records: Belgium, Luxembourg and Slovenia lagged
while their regions complied (docs/THEORY.md §3.3 and §6 target 7; Becker, Poast & Haesebrouck
2025 trace compliance to "abatement cost", for which ``seeds/`` has no measure). Without them
the model fits the record less well (share RMSE 0.31 pp against 0.25; docs/VALIDATION.md, §4).
A member's multipliers are centred within its region (:meth:`SearchSpace.centred`), so the
region's multiplier is its members' geometric mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.data import Members, with_multipliers
from sim.core.params import Params, make_params

POOLED: tuple[tuple[str, float, float], ...] = (
    ("adjustment_speed_per_year", 0.05, 4.0),
    ("threat_sensitivity_pp", 0.0, 5.0),
    ("hegemon_pressure", 0.0, 1.0),
    ("peer_conformity", 0.0, 1.0),
    ("free_riding_strength", 0.0, 1.0),
    ("threat_memory", 0.0, 0.95),
    ("target_margin_pp", 0.0, 0.5),
    ("start_threat_shock_size", 0.0, 1.0),
)
"""Pooled parameters and the bounds searched (inside their ranges in ``sim.core.params``)."""
LOG_MULTIPLIER_BOUNDS = (-2.5, 1.5)
"""Bounds of the log multipliers (region and member): a multiplier between 0.08 and 4.5."""
THREAT_REFERENCE_REGION = "north-east flank"
PRESSURE_REFERENCE_REGION = "western"
KINDS = ("threat_multiplier", "pressure_multiplier")
"""The two multiplied terms, in the order of a (threat, pressure) pair."""


@dataclass(frozen=True)
class Budget:
    """How hard to search: replications and optimiser iterations."""

    n_runs: int = 50
    de_maxiter: int = 12
    de_popsize: int = 5
    powell_maxfev: int = 3000
    nm_maxiter: int = 1000
    regions: bool = True
    members: bool = True
    """Fit per-member multipliers (relative to the region) after the pooled and region stage."""
    pressure_multipliers: bool = False
    """Fit multipliers of the pressure weight too (per region and member), not only of the threat
    sensitivity. Off: the record does not identify them (none of 37 was, docs/VALIDATION.md §4),
    and the hindcast forecasts no worse without them; they stay at 1."""
    member_rounds: int = 2
    """Rounds of (members, then pooled and regions again), each a Powell search."""
    member_maxfev: int = 3000
    polish_maxfev: int = 1500
    fixed: tuple[str, ...] = ("free_riding_strength",)
    """Pooled parameters held at their documented prior (``sim.core.params`` default), not
    fitted."""


@dataclass(frozen=True)
class Coordinate:
    """One coordinate of the search vector."""

    name: str  # a parameter name, or <kind>:<region> / <kind>:<ISO3> for a log multiplier
    lo: float
    hi: float
    level: str = "pooled"  # "pooled", "region" or "member"

    @property
    def log(self) -> bool:
        """Whether the coordinate is a log multiplier (of a region or a member)."""
        return self.level != "pooled"

    @property
    def kind(self) -> str:
        """``threat_multiplier`` or ``pressure_multiplier`` for a multiplier, else the name."""
        return self.name.split(":", 1)[0]

    @property
    def owner(self) -> str:
        """The region or member (ISO3) of a multiplier, else ''."""
        return self.name.split(":", 1)[1] if self.log else ""


def coordinates(
    budget: Budget, regions: tuple[str, ...], armed_iso3: tuple[str, ...]
) -> tuple[Coordinate, ...]:
    """The search vector's coordinates: pooled values, then region and member log multipliers.

    Args:
        budget: which pooled parameters are held fixed and whether regions and members are fitted.
        regions: the regions of the armed members, sorted.
        armed_iso3: the armed members, in the members' order.
    """
    coords = [Coordinate(n, lo, hi) for n, lo, hi in POOLED if n not in budget.fixed]
    lo, hi = LOG_MULTIPLIER_BOUNDS
    if budget.regions:
        coords += [
            Coordinate(f"threat_multiplier:{r}", lo, hi, "region")
            for r in regions
            if r != THREAT_REFERENCE_REGION
        ]
        if budget.pressure_multipliers:
            coords += [
                Coordinate(f"pressure_multiplier:{r}", lo, hi, "region")
                for r in regions
                if r != PRESSURE_REFERENCE_REGION
            ]
    if budget.members:
        for kind in KINDS if budget.pressure_multipliers else KINDS[:1]:
            coords += [Coordinate(f"{kind}:{c}", lo, hi, "member") for c in armed_iso3]
    return tuple(coords)


class SearchSpace:
    """The search vector: its coordinates and bounds, and the parameters and members it stands for.

    Attributes:
        base: the parameters a search vector's pooled values replace (no multiplier tables).
        members: the members without multipliers.
        regions: the regions of the armed members, sorted.
        armed_iso3: the armed members (ISO3), in the members' order.
        coords: the coordinates (:func:`coordinates`).
        centering: the linear map of :meth:`centred` (for the identification's covariance).
        groups: the positions of each region's and kind's member coordinates.
    """

    def __init__(
        self,
        base: Params,
        members: Members,
        budget: Budget,
        member_table: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Lay out the coordinates of a calibration of ``members`` from ``base``.

        ``member_table`` (ISO3 -> (threat, pressure) multipliers relative to the region) holds
        the members' multipliers where the search vector has none (``budget.members`` off): the
        Bayesian calibration conditions on the point fit's (default: all 1).
        """
        self.base = base
        self.members = members
        self.member_table = dict(member_table or {})
        armed = members.armed
        self.regions = tuple(sorted({r for r, a in zip(members.region, armed, strict=True) if a}))
        self.armed_iso3 = tuple(c for c, a in zip(members.iso3, armed, strict=True) if a)
        self.coords = coordinates(budget, self.regions, self.armed_iso3)
        self.groups = self._groups()
        self.centering = self._centering()

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """Bounds of the search vector."""
        return [(c.lo, c.hi) for c in self.coords]

    def _groups(self) -> tuple[np.ndarray, ...]:
        """The positions of the member coordinates of each (kind, region), in coordinate order."""
        region_of = dict(zip(self.members.iso3, self.members.region, strict=True))
        groups: dict[tuple[str, str], list[int]] = {}
        for j, c in enumerate(self.coords):
            if c.level == "member":
                groups.setdefault((c.kind, region_of[c.owner]), []).append(j)
        return tuple(np.array(idx, dtype=int) for idx in groups.values())

    def _centering(self) -> np.ndarray:
        """The linear map that centres the member log multipliers within each region and kind.

        A member's multipliers are deviations from its region's: within a region, the log
        multipliers of a kind sum to zero, so the region's multiplier is the geometric mean of
        its members' and the two are identified apart (the ridge picks the centred point among
        the search vectors that give the same members).
        """
        matrix = np.eye(len(self.coords))
        for idx in self.groups:
            matrix[np.ix_(idx, idx)] -= 1.0 / len(idx)
        return matrix

    def centred(self, x: np.ndarray) -> np.ndarray:
        """The search vector with its member log multipliers centred within each region.

        ``centering @ x`` in exact arithmetic, but computed as each group's values less their
        mean, the sum exactly rounded (``math.fsum``): the same bits on every machine. The
        matrix product went through BLAS, whose kernels (chosen for the CPU) add in different
        orders: a calibration found another optimum on another CPU (docs/VALIDATION.md).
        """
        out = np.array(x, dtype=float)
        for idx in self.groups:
            values = out[idx]
            out[idx] = values - math.fsum(values.tolist()) / len(idx)
        return out

    def indices(self, *levels: str) -> np.ndarray:
        """Positions in the search vector of the coordinates of the given levels."""
        return np.array([j for j, c in enumerate(self.coords) if c.level in levels], dtype=int)

    def start(
        self,
        regions: dict[str, tuple[float, float]] | None = None,
        values: Params | None = None,
        members: dict[str, tuple[float, float]] | None = None,
    ) -> np.ndarray:
        """The search vector of a parameter set, a region table and a member table.

        Args:
            regions: region -> (threat, pressure) multipliers (default: all 1).
            values: the pooled values (default: the documented priors, the defaults of
                ``sim.core.params``, so that a calibration does not depend on the last one).
            members: ISO3 -> (threat, pressure) multipliers relative to the region (default:
                all 1).
        """
        tables = {"region": regions or {}, "member": members or {}}
        values = values or Params()
        x = []
        for c in self.coords:
            if c.log:
                pair = tables[c.level].get(c.owner, (1.0, 1.0))
                value = pair[0] if c.kind == "threat_multiplier" else pair[1]
                x.append(min(max(math.log(max(value, 1e-12)), c.lo), c.hi))
            else:
                x.append(min(max(getattr(values, c.name), c.lo), c.hi))
        return np.array(x)

    def params_of(self, x: np.ndarray) -> Params:
        """The parameters of a search vector (pooled values; multipliers are in members).

        Values are clipped to the search bounds: scipy's bounded Powell may step outside them by
        a rounding error (a threat memory of -7e-18), which the parameter table rejects.
        """
        values = {
            c.name: min(max(float(v), c.lo), c.hi)
            for c, v in zip(self.coords, x, strict=True)
            if not c.log
        }
        return make_params(values, base=self.base)

    def multipliers(self, x: np.ndarray, level: str = "region") -> dict[str, tuple[float, float]]:
        """Region (or member) -> (threat multiplier, pressure multiplier) of a search vector.

        Args:
            x: the search vector.
            level: ``"region"`` (every armed member's region) or ``"member"`` (every armed
                member, relative to its region: centred, see :meth:`centred`; a member without
                a coordinate keeps its ``member_table`` value).
        """
        owners = self.regions if level == "region" else self.armed_iso3
        held = self.member_table if level == "member" else {}
        table = {o: list(held.get(o, (1.0, 1.0))) for o in owners}
        for c, v in zip(self.coords, self.centred(x), strict=True):
            if c.level == level:
                table[c.owner][0 if c.kind == "threat_multiplier" else 1] = float(math.exp(v))
        return {o: (t, p) for o, (t, p) in table.items()}

    def members_of(self, x: np.ndarray) -> Members:
        """The members with the multipliers of a search vector (region times member)."""
        return with_multipliers(
            self.members, self.multipliers(x, "region"), self.multipliers(x, "member")
        )
