"""What is recorded of a state, compiled: every alliance and member metric of one run.

The column names and their order are ``sim.core.metrics`` (``ALLIANCE_COLUMNS``,
``MEMBER_COLUMNS``); the numbers are computed here, once, for the Mesa model and the ensemble
alike. Sums over members are numpy's pairwise sums (``sim.core.dynamics.jit.pairwise_sum``);
the median, the rank correlation and the Gini coefficient are over members with armed forces.
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.jit import fmax, kernel, pairwise_sum
from sim.core.dynamics.ranks import ranks_by_order, resort_order
from sim.core.dynamics.state import EPS


@kernel
def spearman(rx: np.ndarray, ry: np.ndarray, work: np.ndarray) -> float:
    """Spearman rank correlation from the ranks ``rx``, ``ry`` (0 if either is flat).

    ``rx`` and ``ry`` are centred in place.
    """
    n = rx.shape[0]
    middle = (n + 1) / 2  # the mean of ranks 1..n, ties averaged or not
    for i in range(n):
        rx[i] = rx[i] - middle
        ry[i] = ry[i] - middle
    for i in range(n):
        work[i] = rx[i] ** 2
    sxx = pairwise_sum(work)
    for i in range(n):
        work[i] = ry[i] ** 2
    syy = pairwise_sum(work)
    for i in range(n):
        work[i] = rx[i] * ry[i]
    sxy = pairwise_sum(work)
    denom = np.sqrt(sxx * syy)
    return sxy / denom if denom > 0 else 0.0


@kernel
def gini(xs: np.ndarray, work: np.ndarray) -> float:
    """Gini coefficient of non-negative numbers sorted ascending (0 when they sum to 0)."""
    n = xs.shape[0]
    total = pairwise_sum(xs)
    for i in range(n):
        work[i] = (2 * (i + 1) - n - 1) * xs[i]
    g = pairwise_sum(work)
    return g / (n * total) if total > 0 else 0.0


@kernel
def median(xs: np.ndarray) -> float:
    """Median of numbers sorted ascending.

    The mean of the middle two for an even count, as ``np.median``.
    """
    n = xs.shape[0]
    if n % 2 == 1:
        return xs[n // 2]
    return (xs[n // 2 - 1] + xs[n // 2]) / 2


@kernel
def _spending(gdp: np.ndarray, core: np.ndarray, related: np.ndarray, row, out) -> None:
    """The alliance's GDP, core spending and shares of GDP into ``out[0:5]``."""
    n = gdp.shape[0]
    total_gdp = pairwise_sum(gdp)
    for i in range(n):
        row[i] = core[i] / 100 * gdp[i]
    core_spending = pairwise_sum(row)
    for i in range(n):
        row[i] = related[i] * gdp[i]
    related_sum = pairwise_sum(row)
    for i in range(n):
        row[i] = (core[i] + related[i]) * gdp[i]
    total_sum = pairwise_sum(row)
    out[0] = total_gdp
    out[1] = core_spending
    out[2] = 100 * core_spending / total_gdp
    out[3] = related_sum / total_gdp
    out[4] = total_sum / total_gdp


@kernel
def _munitions_and_rival(s, r: int, out: np.ndarray, col: int) -> int:
    """Run r's munitions outputs, ratio, stocks and the rival's budget from ``out[col]`` on.

    Returns the next column.
    """
    alliance_output = pairwise_sum(s.munitions_output[r])
    out[col] = alliance_output
    out[col + 1] = s.rival_output[r]
    out[col + 2] = s.rival_output[r] / fmax(alliance_output, EPS)
    out[col + 3] = s.rival_defence_share_pct[r]
    out[col + 4] = s.rival_gdp_usd_bn[r]
    out[col + 5] = s.rival_capacity[r]
    out[col + 6] = s.rival_stock[r]
    out[col + 7] = s.alliance_stock[r]
    out[col + 8] = s.rival_reserves_usd_bn[r]
    out[col + 9] = s.rival_debt_pct[r]
    out[col + 10] = s.rival_headroom_pct[r]
    return col + 11


@kernel
def alliance_row(st, c, s, r: int, out: np.ndarray, work: np.ndarray, order: np.ndarray) -> None:
    """Run r's alliance metrics into ``out`` (K,), in ``sim.core.metrics.ALLIANCE_COLUMNS`` order.

    ``work`` (5, N) is work space; ``order`` (N,) holds the run's order of its armed members'
    core shares from its last row (any permutation of them at its first), updated here.
    """
    n = st.exposure.shape[0]
    armed = st.armed_index
    n_armed = armed.shape[0]
    row = work[0]
    sub, ordered, rx, ry = (
        work[1, :n_armed],
        work[2, :n_armed],
        work[3, :n_armed],
        work[4, :n_armed],
    )
    core = s.core_share_pct[r]
    related = s.related_share_pct[r]
    _spending(s.gdp_usd_bn[r], core, related, row, out)
    for a in range(n_armed):
        sub[a] = core[armed[a]]
    armed_order = order[:n_armed]
    resort_order(sub, armed_order)
    for a in range(n_armed):
        ordered[a] = sub[armed_order[a]]
    out[5] = median(ordered)
    col = 6
    for line in range(st.line_values.shape[0]):
        count = 0
        for i in range(n):
            value = core[i] + related[i] * st.armed[i] if st.line_counts_related[line] else core[i]
            if value >= st.line_values[line] - EPS:
                count += 1
        out[col] = count
        col += 1
    col = _munitions_and_rival(s, r, out, col)
    for i in range(n):
        row[i] = s.air_defence[r, i] * c.air_defence_spend_initial[r, i]
    weight = pairwise_sum(c.air_defence_spend_initial[r])
    out[col] = pairwise_sum(row) / weight if weight > 0 else 1.0
    ranks_by_order(sub, armed_order, rx)
    for a in range(n_armed):
        ry[a] = st.gdp_rank[armed[a]]
    out[col + 1] = spearman(rx, ry, row[:n_armed])
    out[col + 2] = gini(ordered, row[:n_armed])
    col += 3
    for j in range(s.term_values.shape[1]):
        for a in range(n_armed):
            sub[a] = s.term_values[r, j, armed[a]]
        out[col + j] = pairwise_sum(sub) / max(n_armed, 1)
    out[col + s.term_values.shape[1]] = s.cumulative_extra_spending_usd_bn[r]


@kernel
def member_rows(s, r: int, out: np.ndarray) -> None:
    """Run r's member metrics into ``out`` (N, M), in ``sim.core.metrics.MEMBER_COLUMNS`` order."""
    n_terms = s.term_values.shape[1]
    for i in range(out.shape[0]):
        core, gdp = s.core_share_pct[r, i], s.gdp_usd_bn[r, i]
        out[i, 0] = core
        out[i, 1] = s.related_share_pct[r, i]
        out[i, 2] = gdp
        out[i, 3] = core / 100 * gdp
        out[i, 4] = s.munitions_capacity[r, i]
        out[i, 5] = s.munitions_output[r, i]
        out[i, 6] = s.air_defence[r, i]
        out[i, 7] = s.air_defence_share_pct[r, i]
        out[i, 8] = s.threat[r, i]
        for j in range(n_terms):
            out[i, 9 + j] = s.term_values[r, j, i]
        out[i, 9 + n_terms] = s.desired_core_share_pct[r, i]
        out[i, 10 + n_terms] = s.peers_at_target[r, i]
