"""The arms-race regime of a run, defined once: settles, builds up, escalates, rival exhausted, ...

This module owns the labels and the rules that assign them, from a run's alliance-level
trajectory over its last two years (eight quarters), and the analytic Richardson stability
criterion of the model's linear two-party limit (drawn on the report's regime map). The rules,
checked in this order (the first that holds wins):

1. ``rival_exhausted``: the rival ends unable to pay for more: what it could still pay for
   (its defence share up to the lesser of its war-economy ceiling and what revenue, reserves
   and borrowing allow, ``rival_budget_headroom_pct``, ``sim.core.dynamics.rival_budget``) is
   within 0.05 points of GDP of nothing, so its budget, not its aim, sets its output.
2. ``escalates``: both the rival's and the alliance's munitions output grew by more than
   ``GROWTH_THRESHOLD`` (5% a year) over the last two years.
3. ``alliance_fatigue``: the alliance's core share fell by more than ``FATIGUE_DROP_PP`` (0.05
   points) over the last two years while below the core target.
4. ``settles``: both outputs changed by less than ``SETTLED_THRESHOLD`` (2% a year) and the
   ratio by less than 2% a year.
5. ``builds_up``: both outputs grew by at least ``SETTLED_THRESHOLD`` (and, by rule 2, not both
   by more than 5% a year) while the ratio held within 2% a year: a build-up in step, the rival
   keeping its ratio as the alliance climbs toward its target. This is the regime of the
   default forward scenarios (members still climbing to 3.5% in 2035, the rival tracking 4:1).
6. ``drifts``: anything else (slow change that has not settled, e.g. a ratio still moving).

Growth is measured in current output, so a run that settles at constant shares still grows with
GDP (1.5% a year by default, inside the 2% band). Thresholds are compared strictly (a growth of
exactly 5% a year does not escalate); the ceiling test is inclusive. See ``docs/REGIMES.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.core.metrics import ALLIANCE_COLUMNS

REGIMES = ("rival_exhausted", "escalates", "alliance_fatigue", "settles", "builds_up", "drifts")
REGIME_LABELS = {
    "rival_exhausted": "rival exhausted",
    "escalates": "escalates",
    "alliance_fatigue": "alliance fatigue",
    "settles": "settles",
    "builds_up": "builds up in step",
    "drifts": "drifts",
}
"""Readable names of the regimes (figure legends)."""
REGIME_MEANINGS = {
    "rival_exhausted": "the rival's budget, not its aim, sets its output: it cannot pay for more",
    "escalates": "both sides' munitions output grew by more than 5% a year over the last two years",
    "alliance_fatigue": "the alliance's core share fell over the last two years while below target",
    "settles": "both outputs and their ratio changed by less than 2% a year",
    "builds_up": "both outputs grow in step, the ratio held within 2% a year",
    "drifts": "slow change that has not settled, such as a ratio still moving",
}
"""Each regime in one line (``sim run``'s summary; the rules above)."""
WINDOW_QUARTERS = 8
GROWTH_THRESHOLD = 0.05
SETTLED_THRESHOLD = 0.02
CEILING_TOLERANCE_PP = 0.05
FATIGUE_DROP_PP = 0.05

RICHARDSON_PARAMS = (
    "adjustment_speed_per_year",
    "threat_sensitivity_pp",
    "rival_adjustment_speed_per_year",
    "rival_target_ratio",
    "free_riding_strength",
)
"""Parameters the Richardson margin depends on (besides the linear gain ``kappa``)."""


def _col(alliance: np.ndarray, name: str) -> np.ndarray:
    return alliance[:, :, ALLIANCE_COLUMNS.index(name)]


def annual_growth(series: np.ndarray, window: int = WINDOW_QUARTERS) -> np.ndarray:
    """Average annual growth rate of each row over its last ``window`` quarters."""
    window = min(window, series.shape[1] - 1)
    start, end = series[:, -1 - window], series[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(start > 0, end / start, np.where(end > 0, np.inf, 1.0))
    return ratio ** (4.0 / max(window, 1)) - 1.0


def classify(
    alliance: np.ndarray,
    target_core_pct: np.ndarray,
) -> np.ndarray:
    """Label each run's regime.

    Args:
        alliance: alliance metrics (R, T, K) in the column order of ``ALLIANCE_COLUMNS``.
        target_core_pct: each run's ``target_core_pct_gdp`` (R,).

    Returns:
        One label of ``REGIMES`` per run (R,), as strings.
    """
    window = min(WINDOW_QUARTERS, alliance.shape[1] - 1)
    rival_growth = annual_growth(_col(alliance, "rival_munitions_output"), window)
    alliance_growth = annual_growth(_col(alliance, "alliance_munitions_output"), window)
    ratio = _col(alliance, "munitions_ratio")
    ratio_change = np.abs(annual_growth(ratio, window))
    share = _col(alliance, "alliance_core_share_pct")
    exhausted = _col(alliance, "rival_budget_headroom_pct")[:, -1] <= CEILING_TOLERANCE_PP
    escalates = (rival_growth > GROWTH_THRESHOLD) & (alliance_growth > GROWTH_THRESHOLD)
    fatigue = (share[:, -1] < share[:, -1 - window] - FATIGUE_DROP_PP) & (
        share[:, -1] < np.asarray(target_core_pct)
    )
    steady_ratio = ratio_change < SETTLED_THRESHOLD
    settles = (
        (np.abs(rival_growth) < SETTLED_THRESHOLD)
        & (np.abs(alliance_growth) < SETTLED_THRESHOLD)
        & steady_ratio
    )
    builds_up = (
        (rival_growth >= SETTLED_THRESHOLD) & (alliance_growth >= SETTLED_THRESHOLD) & steady_ratio
    )
    return np.select(
        [exhausted, escalates, fatigue, settles, builds_up], list(REGIMES[:5]), default=REGIMES[5]
    ).astype(object)


Number = float | np.ndarray


@dataclass(frozen=True)
class RichardsonLinearisation:
    """Richardson's coefficients (per year) of the model's linear two-party limit.

    ``dx/dt = a*y - m*x + g``, ``dy/dt = b*x - n*y + h``; each a scalar or an array over runs.
    """

    a: Number
    b: Number
    m: Number
    n: Number

    @property
    def margin(self) -> Number:
        """The stability margin ``m*n - a*b``: positive is stable, negative a runaway."""
        return self.m * self.n - self.a * self.b


def richardson_linearisation(
    adjustment_speed_per_year: Number,
    threat_sensitivity_pp: Number,
    rival_adjustment_speed_per_year: Number,
    rival_target_ratio: Number,
    free_riding_strength: Number = 0.0,
    threat_gain: Number = 1.0,
    output_gain: Number = 1.0,
) -> RichardsonLinearisation:
    """The one linearisation of the model onto Richardson's system (regimes and docking use it).

    - ``m = adjustment_speed_per_year * (1 + free_riding_strength)``,
    - ``a = adjustment_speed_per_year * threat_sensitivity_pp * threat_gain``,
    - ``n = rival_adjustment_speed_per_year``,
    - ``b = rival_adjustment_speed_per_year * rival_target_ratio * output_gain``.

    Args:
        adjustment_speed_per_year: the members' adjustment speed.
        threat_sensitivity_pp: the members' threat sensitivity.
        rival_adjustment_speed_per_year: the rival's adjustment speed.
        rival_target_ratio: the ratio of outputs the rival aims for.
        free_riding_strength: the extra damping of allies' spending (0 for one member).
        threat_gain: the alliance's share response per unit of rival output felt as threat (the
            members' exposure, or :func:`linear_gain` in output units).
        output_gain: the alliance's munitions output per point of core share, when the
            alliance's state is its share (1 when it is its output).

    Returns:
        The coefficients a, b, m, n (per year).
    """
    return RichardsonLinearisation(
        a=adjustment_speed_per_year * threat_sensitivity_pp * threat_gain,
        b=rival_adjustment_speed_per_year * rival_target_ratio * output_gain,
        m=adjustment_speed_per_year * (1 + free_riding_strength),
        n=rival_adjustment_speed_per_year,
    )


def richardson_margin(params: Mapping[str, np.ndarray | float], kappa: float = 1.0) -> np.ndarray:
    """Richardson's stability margin ``m*n - a*b`` of the model's linear two-party limit.

    Aggregate the members into one party whose munitions output ``x`` is proportional to its
    GDP-weighted core share, and take the linear threat signal (``threat_signal =
    "rival_output"``). Near a rest point the model is then Richardson's system
    ``dx/dt = a*y - m*x + g``, ``dy/dt = b*x - n*y + h`` with

    - ``m = adjustment_speed_per_year * (1 + free_riding_strength)`` (allies' extra spending
      lowers each member's desired share point for point times the free-riding strength),
    - ``a = adjustment_speed_per_year * threat_sensitivity_pp * kappa``,
    - ``n = rival_adjustment_speed_per_year``,
    - ``b = rival_adjustment_speed_per_year * rival_target_ratio``,

    where ``kappa`` converts the rival's output into the alliance's output response: the
    GDP-weighted mean exposure times the alliance's output per point of core share
    (:func:`linear_gain`). In the two-party limit of one fully exposed member in normalised
    units (``kappa = 1``, no free riding) this is ``a = adjustment_speed * threat_sensitivity``,
    ``m = adjustment_speed``, and the boundary ``m*n = a*b`` is ``ratio * sensitivity = 1``.
    The hegemon's pressure does not enter: it pulls members toward the target path only while
    they are below it, and escalation takes them above it. Delays (threat memory, production
    lead times) do not move the boundary, which is a condition on steady-state gains.

    Args:
        params: parameter values by name (scalars or arrays; ``free_riding_strength`` defaults
            to 0 when absent).
        kappa: the linear gain (1 in normalised units).

    Returns:
        ``m*n - a*b`` (per year squared): positive is stable, negative is a runaway (saddle).
    """
    return richardson_linearisation(
        *(np.asarray(params[name], dtype=float) for name in RICHARDSON_PARAMS[:4]),
        free_riding_strength=np.asarray(params.get("free_riding_strength", 0.0), dtype=float),
        threat_gain=kappa,
    ).margin


def linear_gain(
    alliance_output: float, alliance_core_share_pct: float, mean_exposure: float
) -> float:
    """The gain ``kappa`` of :func:`richardson_margin` at a state of the full model.

    Args:
        alliance_output: the alliance's munitions output (M rounds/yr).
        alliance_core_share_pct: its core share of GDP (%), at the same time.
        mean_exposure: the members' exposure (times any regional threat multiplier,
            ``Members.threat_response``) weighted by GDP over the alliance's GDP (0-1).

    Returns:
        Alliance output gained per unit of rival output felt as threat, per pp of threat
        sensitivity (M rounds/yr per M rounds/yr per pp).
    """
    return mean_exposure * alliance_output / alliance_core_share_pct


def richardson_applies(threat_signal: str) -> bool:
    """Whether the Richardson boundary applies to runs with this threat signal.

    With ``log_ratio`` the threat depends only on the ratio of outputs, which the rival's target
    fixes: a proportional build-up on both sides leaves the threat unchanged, the linearised
    determinant is ``m*n > 0`` whatever the parameters, and there is no runaway boundary.
    """
    return threat_signal == "rival_output"
