"""Process 5, capacity: munitions orders, pipeline and output, and air-defence capability.

Spending is split into munitions and air defence; munitions capacity is ordered up to what
spending funds at the allies' unit cost (``sim.core.dynamics.war.funded_output``: a peacetime
share of core, plus replacing what the war sends to the front) and comes online through a
pipeline (first output after ``munitions_lead_first_quarters``, nameplate after
``munitions_lead_full_quarters``); output is the lesser of capacity and funded output;
air-defence capability approaches the level its spending sustains
(``sim.core.dynamics.air_defence``).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.air_defence import build_air_defence, plan_decay
from sim.core.dynamics.jit import fmax, fmin, inlined
from sim.core.dynamics.war import funded_output


@inlined
def _ordered_by_age(orders: np.ndarray, i: int, newest: int, age: int) -> float:
    """Member i's orders placed at least ``age`` quarters ago, in total (0 before any).

    ``orders`` is one run's running totals (T, N), row j after the j-th quarter's order.
    """
    index = newest - age
    return orders[index, i] if index >= 0 else 0.0


@inlined
def build_capacity(st, p, c, s, new, r: int, k: int, total: float) -> None:
    """Process 5: run r's munitions orders, capacity and output, and air-defence capability.

    Capacity is ordered up to the output that spending funds (``committed`` counts capacity
    online and on order); an order comes online evenly from ``lead_first`` to ``lead_full``
    quarters after it is placed (age 0 is the quarter it is placed), so this quarter's new
    capacity is the moving sum of orders aged ``lead_first``..``lead_full`` divided by the span.
    Output is the lesser of capacity and funded output. Reads the new core share and GDP from
    ``new``; writes quarter k's running total of orders into ``s.orders_cumulative[r, k]``.
    ``total`` is the allies' core spending this quarter (USD bn/yr), by which the war's supply is
    split.
    """
    first, full = c.lead_first[r], c.lead_full[r]
    span = float(full - first + 1)
    orders_cumulative = s.orders_cumulative[r]
    decay = plan_decay(st, p, r, k)  # -1: no plan funds the air-defence goal this quarter
    for i in range(st.exposure.shape[0]):
        spend = new.core_share_pct[r, i] / 100 * new.gdp_usd_bn[r, i]
        funded = funded_output(st, p, c, r, k, spend, total)
        orders = fmax(0.0, funded - s.committed[r, i])
        previous = orders_cumulative[k - 1, i] if k > 0 else 0.0
        orders_cumulative[k, i] = previous + orders
        arrived = _ordered_by_age(orders_cumulative, i, k, first) - _ordered_by_age(
            orders_cumulative, i, k, full + 1
        )
        capacity = s.munitions_capacity[r, i] + arrived / span
        new.munitions_capacity[r, i] = capacity
        new.munitions_output[r, i] = fmin(capacity, funded)
        new.committed[r, i] = s.committed[r, i] + orders
        build_air_defence(st, p, c, s, new, r, i, spend, decay)
