"""The war: what it consumes, what the allies buy to replace it, and both sides' stocks of rounds.

While the war lasts (``war_start_quarter`` up to ``ceasefire_quarter``, ``Static.war_on``) the
rival wants to fire ``rival_war_consumption_m_per_year`` and the allies send
``alliance_war_supply_m_per_year`` to the front; each side fires or sends what its stock and
this quarter's output allow (Intriligator and Brito 1984: what matters is stock and production
relative to need). In peace each side's output replaces what training and shelf life use, so
stocks move only at war. The allies fund the replacement of what they send on top of the peacetime
share of core they spend on ammunition (:func:`funded_output`), split by core spending, so their
output answers the war through their factories' pipeline (``sim.core.dynamics.capacity``).
"""

from __future__ import annotations

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import fmax, fmin, inlined
from sim.core.dynamics.state import DT, EPS


@inlined
def war_need(st, p, r: int, k: int) -> float:
    """The rounds run r's rival wants to fire a year in quarter k (0 when there is no war)."""
    return st.war_on[k] * p[r, P.rival_war_consumption_m_per_year]


@inlined
def war_supply(st, p, r: int, k: int) -> float:
    """The rounds the allies send to the front a year in quarter k (0 when there is no war)."""
    return st.war_on[k] * p[r, P.alliance_war_supply_m_per_year]


@inlined
def peace_output(p, c, r: int, spend: float) -> float:
    """The output (M rounds/yr) core spending ``spend`` (USD bn/yr) funds in peacetime."""
    return p[r, P.munitions_fraction_of_core] * spend * c.munitions_per_usd_bn[r]


@inlined
def funded_output(st, p, c, r: int, k: int, spend: float, total_spend: float) -> float:
    """The output (M rounds/yr) a member's spending ``spend`` (USD bn/yr) funds in quarter k.

    Its peacetime share of core on ammunition (``munitions_fraction_of_core``) at the allies'
    unit cost, plus, at war, its part (by core spending, ``total_spend`` the allies') of
    replacing the rounds sent to the front.
    """
    return peace_output(p, c, r, spend) + war_supply(st, p, r, k) * spend / fmax(total_spend, EPS)


@inlined
def fired(stock: float, output: float, want: float) -> float:
    """Rounds fired (or sent) a year: what is wanted, within the stock and this quarter's output."""
    return fmax(0.0, fmin(want, stock / DT + output))


@inlined
def update_stocks(st, p, c, s, new, r: int, k: int, alliance_output: float, spend: float) -> None:
    """Both sides' stocks after quarter k (into ``new``): output in, rounds used out.

    In peace each side uses what its peacetime output replaces (training, shelf life: the
    rival's ``rival_output_baseline_m_per_year``, the allies' peacetime share of core at their
    unit cost), so stocks change only at war, when the rival also fires its war's consumption
    and the allies send their supply to the front. ``spend`` is the allies' core spending this
    quarter (USD bn/yr).
    """
    rival_out = new.rival_output[r]
    rival_want = p[r, P.rival_output_baseline_m_per_year] + war_need(st, p, r, k)
    used = fired(s.rival_stock[r], rival_out, rival_want)
    new.rival_stock[r] = fmax(0.0, s.rival_stock[r] + (rival_out - used) * DT)
    allied_want = peace_output(p, c, r, spend) + war_supply(st, p, r, k)
    sent = fired(s.alliance_stock[r], alliance_output, allied_want)
    new.alliance_stock[r] = fmax(0.0, s.alliance_stock[r] + (alliance_output - sent) * DT)
