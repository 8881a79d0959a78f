"""Per-run summaries: the outcome at the end, when each line was first met, the peak ratio.

This module owns the summary vocabulary used by ``summary.json`` of a run and by the
``summary.parquet`` of a sweep (one row per run). It works on the ensemble's arrays, so a
summary of 10,000 runs is one vectorised call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.params import Params
from sim.core.regimes import classify
from sim.core.targets import COUNT_COLUMNS, TARGET_LINES

if TYPE_CHECKING:
    import pandas as pd

FINAL_COLUMNS = (
    "alliance_core_share_pct",
    "alliance_total_share_pct",
    *COUNT_COLUMNS,
    "alliance_munitions_output",
    "rival_munitions_output",
    "munitions_ratio",
    "rival_defence_share_pct",
    "air_defence_vs_2025",
    "burden_rank_correlation",
)
"""The alliance metrics whose last value is a summary column ``final_<metric>``. The cumulative
extra spending is a final value already: it has one column, ``cumulative_extra_spending_usd_bn``,
not a second ``final_`` copy."""


def _first_quarter(mask: np.ndarray, quarters: Sequence[str]) -> np.ndarray:
    """First quarter where each row of a boolean (R, T) array is true ('' if never)."""
    hit = mask.any(axis=1)
    first = mask.argmax(axis=1)
    q = np.array(quarters, dtype=object)
    return np.where(hit, q[first], "").astype(object)


def summarise(
    alliance: np.ndarray, quarters: Sequence[str], params: Sequence[Params], n_members: int
) -> pd.DataFrame:
    """Summarise each run of a batch: :func:`summary_columns` as a frame, one row per run."""
    import pandas as pd

    return pd.DataFrame(summary_columns(alliance, quarters, params, n_members))


def summary_columns(
    alliance: np.ndarray, quarters: Sequence[str], params: Sequence[Params], n_members: int
) -> dict[str, np.ndarray]:
    """Summarise each run of a batch, as columns (a sweep's workers write them without pandas).

    Args:
        alliance: alliance metrics (R, T, K), columns in ``ALLIANCE_COLUMNS`` order.
        quarters: the T quarters.
        params: each run's parameters (for the regime's ceiling and targets).
        n_members: the number of members (for the majority quarters).

    Returns:
        One value per run in each column: ``final_<metric>``, ``peak_munitions_ratio`` and its
        quarter, ``first_quarter_alliance_at_or_above_<line>`` (core share for 2% and 3.5%,
        total share for 5%), ``first_quarter_majority_at_or_above_<line>`` (more than half the
        members), ``max_members_at_or_above_<line>``, and ``regime``.
    """
    scanned = {"munitions_ratio", *(line.alliance_column for line in TARGET_LINES)}
    scanned |= {line.count_column for line in TARGET_LINES}
    # the series scanned over the quarters, copied contiguous once (2,219 runs: 4.2 ms, not 6.4)
    col = {
        name: np.ascontiguousarray(alliance[:, :, i]) if name in scanned else alliance[:, :, i]
        for i, name in enumerate(ALLIANCE_COLUMNS)
    }
    out: dict[str, Any] = {}
    for name in FINAL_COLUMNS:
        out[f"final_{name}"] = col[name][:, -1]
    out["cumulative_extra_spending_usd_bn"] = col["cumulative_extra_spending_usd_bn"][:, -1]
    ratio = col["munitions_ratio"]
    out["peak_munitions_ratio"] = ratio.max(axis=1)
    out["peak_munitions_ratio_quarter"] = np.array(quarters, dtype=object)[ratio.argmax(axis=1)]
    for line in TARGET_LINES:
        out[f"first_quarter_alliance_at_or_above_{line.name}"] = _first_quarter(
            col[line.alliance_column] >= line.value - 1e-9, quarters
        )
        count = col[line.count_column]
        out[f"max_members_at_or_above_{line.name}"] = count.max(axis=1).astype(np.int64)
        out[f"first_quarter_majority_at_or_above_{line.name}"] = _first_quarter(
            count > n_members / 2, quarters
        )
    out["regime"] = classify(
        alliance,
        np.array([p.target_core_pct_gdp for p in params]),
    )
    for column in COUNT_COLUMNS:
        out[f"final_{column}"] = out[f"final_{column}"].astype(np.int64)
    return out


def summary_dict(row: pd.Series, n_members: int) -> dict[str, Any]:
    """A readable nested summary of one run (for ``summary.json`` and the terminal)."""
    lines = {}
    for line in TARGET_LINES:
        name = line.name
        lines[line.label] = {
            "measure": f"{line.measure} share",
            "alliance_first_quarter": row[f"first_quarter_alliance_at_or_above_{name}"] or None,
            "majority_first_quarter": row[f"first_quarter_majority_at_or_above_{name}"] or None,
            "members_final": int(row[f"final_{line.count_column}"]),
            "members_max": int(row[f"max_members_at_or_above_{name}"]),
            "members_total": n_members,
        }
    return {
        "final": {name: _plain(row[f"final_{name}"]) for name in FINAL_COLUMNS},
        "lines": lines,
        "peak_munitions_ratio": {
            "value": _plain(row["peak_munitions_ratio"]),
            "quarter": row["peak_munitions_ratio_quarter"],
        },
        "cumulative_extra_spending_usd_bn": _plain(row["cumulative_extra_spending_usd_bn"]),
        "regime": row["regime"],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return round(float(value), 6)
    return value
