"""The rival's budget: what revenue, reserves and borrowing allow it to spend on defence.

Its budget funds a defence share of ``rival_defence_share_funded_pct`` without a deficit when
oil fetches the budget's reference price. Oil and gas revenue (``rival_oil_gas_revenue_pct`` of
GDP at that price) moves with the price it fetches, less what sanctions take
(``sanctions_revenue_loss``): a shortfall lowers the funded share one for one, a windfall goes to
reserves (the budget rule). A deficit is drawn first from reserves (its National Wealth Fund),
then borrowed up to ``rival_debt_ceiling_pct`` of GDP; when both are spent the rival can spend
only what its budget funds (:func:`allowed_share`). Non-defence spending, interest and the debt
ratio's erosion by growth are left out (docs/ODD.md, the rival).
"""

from __future__ import annotations

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import fmax, fmin, inlined
from sim.core.dynamics.state import DT


@inlined
def oil_term(p, r: int) -> float:
    """Oil and gas revenue against the budget's plan, % of GDP (negative: a shortfall)."""
    price = p[r, P.oil_price_usd_per_bbl] / p[r, P.rival_budget_oil_price_usd_per_bbl]
    fetched = price * (1.0 - p[r, P.sanctions_revenue_loss])
    return p[r, P.rival_oil_gas_revenue_pct] * (fetched - 1.0)


@inlined
def funded_share(p, r: int) -> float:
    """The defence share the budget funds this quarter without a deficit, % of GDP.

    Never below 0: a revenue shortfall larger than the funded share leaves nothing, not a debt.
    """
    return fmax(0.0, p[r, P.rival_defence_share_funded_pct] + fmin(0.0, oil_term(p, r)))


@inlined
def allowed_share(p, s, r: int, gdp: float) -> float:
    """The largest defence share the rival can pay for this quarter, % of GDP.

    What its budget funds, plus a deficit as large as its reserves and its remaining room to
    borrow, within the war-economy ceiling.
    """
    room = fmax(0.0, p[r, P.rival_debt_ceiling_pct] - s.rival_debt_pct[r]) / 100 * gdp
    finance = s.rival_reserves_usd_bn[r] + room
    allowed = funded_share(p, r) + 100 * finance / (gdp * DT)
    return fmin(allowed, p[r, P.rival_defence_share_ceiling_pct])


@inlined
def finance(p, s, new, r: int, gdp: float, share: float) -> None:
    """Pay for this quarter's defence share (into ``new``): reserves first, then borrowing.

    A windfall of oil revenue goes to reserves.
    """
    windfall = fmax(0.0, oil_term(p, r)) / 100 * gdp * DT
    deficit = fmax(0.0, share - funded_share(p, r)) / 100 * gdp * DT
    reserves = s.rival_reserves_usd_bn[r] + windfall
    drawn = fmin(reserves, deficit)
    new.rival_reserves_usd_bn[r] = reserves - drawn
    new.rival_debt_pct[r] = s.rival_debt_pct[r] + 100 * (deficit - drawn) / gdp
