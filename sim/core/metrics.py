"""The output vocabulary: alliance-level and member-level metrics computed from a state.

This module owns the names and definitions of every output column; the Mesa model's data
collector, the ensemble, the run tables, sweeps and the web page all use these names.

Thresholds: "at or above 2%" and "3.5%" count core defence shares; "at or above 5%" counts core
plus related spending (the Hague definition). Iceland (no armed forces) counts as a member below
every line. ``air_defence_vs_2025`` is capability relative to the start of the run (2025 in the
forward scenarios), goal 5.0.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from sim.core.dynamics import EPS, State, Static, row_sum

ALLIANCE_COLUMNS = (
    "alliance_gdp_usd_bn",
    "alliance_core_spending_usd_bn",
    "alliance_core_share_pct",
    "alliance_related_share_pct",
    "alliance_total_share_pct",
    "median_core_share_pct",
    "members_at_or_above_2pct",
    "members_at_or_above_3_5pct",
    "members_at_or_above_5pct",
    "alliance_munitions_output",
    "rival_munitions_output",
    "munitions_ratio",
    "rival_defence_share_pct",
    "rival_gdp_usd_bn",
    "air_defence_vs_2025",
    "burden_rank_correlation",
    "burden_gini",
    "mean_threat_pp",
    "mean_pressure_pp",
    "mean_free_riding_pp",
    "cumulative_extra_spending_usd_bn",
)
"""Alliance-level columns, one value per run and quarter (besides ``quarter``)."""

MEMBER_COLUMNS = (
    "core_share_pct",
    "related_share_pct",
    "gdp_usd_bn",
    "core_spending_usd_bn",
    "munitions_capacity",
    "munitions_output",
    "air_defence_vs_2025",
    "threat",
    "threat_pp",
    "pressure_pp",
    "free_riding_pp",
    "desired_core_share_pct",
    "peers_at_target",
)
"""Member-level columns, one value per run, member and quarter (besides quarter, iso3)."""

COUNT_COLUMNS = (
    "members_at_or_above_2pct",
    "members_at_or_above_3_5pct",
    "members_at_or_above_5pct",
)
THRESHOLDS = {"2pct": 2.0, "3_5pct": 3.5, "5pct": 5.0}


def spearman_rows(x: np.ndarray, y_rank: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each row of x with fixed ranks ``y_rank`` (ties averaged).

    The members' GDP ranks are fixed within a run (all members grow at the same rate), so they
    are ranked once (``Static.gdp_rank``).
    """
    rx = rankdata(x, axis=1)
    ry = np.broadcast_to(y_rank, rx.shape)
    rx = rx - (x.shape[1] + 1) / 2  # the mean of ranks 1..n, ties averaged or not
    ry = ry - (x.shape[1] + 1) / 2
    denom = np.sqrt(row_sum(rx**2) * row_sum(ry**2))
    return np.divide(row_sum(rx * ry), denom, out=np.zeros(len(x)), where=denom > 0)


def gini_rows(x: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row of a non-negative array."""
    xs = np.sort(x, axis=1)
    n = xs.shape[1]
    index = np.arange(1, n + 1)
    total = row_sum(xs)
    g = row_sum((2 * index - n - 1) * xs)
    return np.divide(g, n * total, out=np.zeros(len(x)), where=total > 0)


def alliance_metrics(static: Static, s: State) -> dict[str, np.ndarray]:
    """Return every alliance-level metric of a state, each an array over runs (R,)."""
    armed = static.members.armed
    core, related, gdp = s.core_share_pct, s.related_share_pct, s.gdp_usd_bn
    core_spend = core / 100 * gdp
    total_gdp = row_sum(gdp)
    alliance_out = s.alliance_output
    initial_ad = s.air_defence_spend_initial
    ad_weight = row_sum(initial_ad)
    air = np.divide(
        row_sum(s.air_defence * initial_ad),
        ad_weight,
        out=np.ones(len(total_gdp)),
        where=ad_weight > 0,
    )
    n_armed = max(int(armed.sum()), 1)
    return {
        "alliance_gdp_usd_bn": total_gdp,
        "alliance_core_spending_usd_bn": row_sum(core_spend),
        "alliance_core_share_pct": 100 * row_sum(core_spend) / total_gdp,
        "alliance_related_share_pct": row_sum(related * gdp) / total_gdp,
        "alliance_total_share_pct": row_sum((core + related) * gdp) / total_gdp,
        "median_core_share_pct": np.median(core[:, armed], axis=1),
        "members_at_or_above_2pct": row_sum(core >= 2.0 - EPS).astype(np.int64),
        "members_at_or_above_3_5pct": row_sum(core >= 3.5 - EPS).astype(np.int64),
        "members_at_or_above_5pct": row_sum(core + related * armed >= 5.0 - EPS).astype(np.int64),
        "alliance_munitions_output": alliance_out,
        "rival_munitions_output": s.rival_output.copy(),
        "munitions_ratio": s.rival_output / np.maximum(alliance_out, EPS),
        "rival_defence_share_pct": s.rival_defence_share_pct.copy(),
        "rival_gdp_usd_bn": s.rival_gdp_usd_bn.copy(),
        "air_defence_vs_2025": air,
        "burden_rank_correlation": spearman_rows(core[:, armed], static.gdp_rank[armed]),
        "burden_gini": gini_rows(core[:, armed]),
        "mean_threat_pp": row_sum(s.threat_pp[:, armed]) / n_armed,
        "mean_pressure_pp": row_sum(s.pressure_pp[:, armed]) / n_armed,
        "mean_free_riding_pp": row_sum(s.free_riding_pp[:, armed]) / n_armed,
        "cumulative_extra_spending_usd_bn": s.cumulative_extra_spending_usd_bn.copy(),
    }


def member_metrics(s: State) -> dict[str, np.ndarray]:
    """Return every member-level metric of a state, each an array (R, N)."""
    return {
        "core_share_pct": s.core_share_pct,
        "related_share_pct": s.related_share_pct,
        "gdp_usd_bn": s.gdp_usd_bn,
        "core_spending_usd_bn": s.core_share_pct / 100 * s.gdp_usd_bn,
        "munitions_capacity": s.munitions_capacity,
        "munitions_output": s.munitions_output,
        "air_defence_vs_2025": s.air_defence,
        "threat": s.threat,
        "threat_pp": s.threat_pp,
        "pressure_pp": s.pressure_pp,
        "free_riding_pp": s.free_riding_pp,
        "desired_core_share_pct": s.desired_core_share_pct,
        "peers_at_target": s.peers_at_target,
    }
