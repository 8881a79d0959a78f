"""The arms-race regime of a run, defined once: settles, escalates, rival exhausted, ...

This module owns the labels and the rules that assign them, from a run's alliance-level
trajectory over its last two years (eight quarters). The rules, checked in this order:

1. ``rival_exhausted``: the rival ends within 0.05 points of its defence-share ceiling and its
   munitions ratio is below 95% of the ratio it aims for: it cannot keep up.
2. ``escalates``: both the rival's and the alliance's munitions output grew by more than
   ``GROWTH_THRESHOLD`` (5% a year) over the last two years.
3. ``alliance_fatigue``: the alliance's core share fell by more than 0.05 points over the last
   two years while below the core target.
4. ``settles``: both outputs changed by less than ``SETTLED_THRESHOLD`` (2% a year) and the
   ratio by less than 2%.
5. ``drifts``: anything else (slow change that has not settled).
"""

from __future__ import annotations

import numpy as np

from sim.metrics import ALLIANCE_COLUMNS

REGIMES = ("rival_exhausted", "escalates", "alliance_fatigue", "settles", "drifts")
WINDOW_QUARTERS = 8
GROWTH_THRESHOLD = 0.05
SETTLED_THRESHOLD = 0.02
CEILING_TOLERANCE_PP = 0.05


def _col(alliance: np.ndarray, name: str) -> np.ndarray:
    return alliance[:, :, ALLIANCE_COLUMNS.index(name)]


def annual_growth(series: np.ndarray, window: int = WINDOW_QUARTERS) -> np.ndarray:
    """Average annual growth rate of each row over its last ``window`` quarters."""
    window = min(window, series.shape[1] - 1)
    start, end = series[:, -1 - window], series[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(start > 0, end / start, np.where(end > 0, np.inf, 1.0))
    return ratio ** (4.0 / max(window, 1)) - 1.0


def classify(alliance: np.ndarray, rival_ceiling_pct: np.ndarray, rival_target_ratio: np.ndarray,
             target_core_pct: np.ndarray) -> np.ndarray:
    """Label each run's regime.

    Args:
        alliance: alliance metrics (R, T, K) in the column order of ``ALLIANCE_COLUMNS``.
        rival_ceiling_pct: each run's ``rival_defence_share_ceiling_pct`` (R,).
        rival_target_ratio: each run's ``rival_target_ratio`` (R,).
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
    rival_share = _col(alliance, "rival_defence_share_pct")[:, -1]
    exhausted = (rival_share >= np.asarray(rival_ceiling_pct) - CEILING_TOLERANCE_PP) & (
        ratio[:, -1] < 0.95 * np.asarray(rival_target_ratio))
    escalates = (rival_growth > GROWTH_THRESHOLD) & (alliance_growth > GROWTH_THRESHOLD)
    fatigue = (share[:, -1] < share[:, -1 - window] - 0.05) & (
        share[:, -1] < np.asarray(target_core_pct))
    settles = (np.abs(rival_growth) < SETTLED_THRESHOLD) & (
        np.abs(alliance_growth) < SETTLED_THRESHOLD) & (ratio_change < SETTLED_THRESHOLD)
    return np.select([exhausted, escalates, fatigue, settles],
                     list(REGIMES[:4]), default=REGIMES[4]).astype(object)
