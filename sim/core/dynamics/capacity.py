"""Process 5, capacity: munitions orders, pipeline and output, and air-defence capability.

Spending is split into munitions and air defence; munitions capacity is ordered up to what
spending funds and comes online through a pipeline (first output after
``munitions_lead_first_quarters``, nameplate after ``munitions_lead_full_quarters``); output is
the lesser of capacity and funded output; air-defence capability approaches the level its
spending sustains.
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.pressure import progress
from sim.core.dynamics.state import DT, Constants, State, Static


def _orders_up_to_age(cumulative: tuple[np.ndarray, ...], ages: np.ndarray) -> np.ndarray:
    """Orders placed at least ``ages`` quarters ago, in total (R, N), per run's own age.

    ``cumulative[j]`` is the running total of orders after the j-th order (the last entry is
    this quarter's, age 0). Runs are grouped by their age, so each group is one slice.
    """
    out = np.zeros_like(cumulative[-1])
    newest = len(cumulative) - 1
    for age in np.unique(ages):
        index = newest - int(age)
        if index >= 0:
            rows = ages == age
            out[rows] = cumulative[index][rows]
    return out


def build_capacity(
    static: Static, p: ParamArrays, c: Constants, s: State, core: np.ndarray, gdp: np.ndarray
) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Process 5: munitions orders, capacity and output, and air-defence capability.

    Capacity is ordered up to the output that spending funds (``committed`` counts capacity
    online and on order); an order comes online evenly from ``lead_first`` to ``lead_full``
    quarters after it is placed (age 0 is the quarter it is placed), so this quarter's new
    capacity is the moving sum of orders aged ``lead_first``..``lead_full`` divided by the span.
    Output is the lesser of capacity and funded output.

    Returns:
        (cumulative orders after each step (a tuple of (R, N)), committed (R, N),
        capacity (R, N), output (R, N), air defence (R, N)).
    """
    spend = core / 100 * gdp
    funded = p.munitions_fraction_of_core * spend * c.munitions_per_usd_bn
    orders = np.maximum(0.0, funded - s.committed)
    previous = s.orders_cumulative[-1] if s.orders_cumulative else np.zeros_like(orders)
    history = (*s.orders_cumulative, previous + orders)
    span = (c.lead_full - c.lead_first + 1).astype(float)[:, None]
    arrived = _orders_up_to_age(history, c.lead_first) - _orders_up_to_age(history, c.lead_full + 1)
    capacity = s.munitions_capacity + arrived / span
    output = np.minimum(capacity, funded)
    fraction = p.air_defence_fraction_of_core + (
        p.air_defence_fraction_target - p.air_defence_fraction_of_core
    ) * progress(static, p, s.k + 1)
    initial = c.air_defence_spend_initial
    sustained = np.divide(fraction * spend, initial, out=np.ones_like(spend), where=initial > 0)
    air = s.air_defence + p.air_defence_build_rate_per_year * DT * (sustained - s.air_defence)
    return history, s.committed + orders, capacity, output, air
