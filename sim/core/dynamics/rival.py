"""Process 6, the rival's decision: the output it aims for, its factories, and what it can pay.

The rival aims for the rounds its war consumes (``sim.core.dynamics.war``), plus the gap between
the stock it wants (``rival_adequacy_ratio`` times the allies') and its own, closed over
``rival_stock_adjustment_years``, plus its peacetime output (``rival_output_baseline``) and, in
Richardson's limit, ``rival_target_ratio`` times the alliance's output (0 by default: the ratio
is not an input). It moves toward that aim at its adjustment speed within its ramp limit; orders
capacity up to it (or up to the output it moves to, if higher), which comes online through its
own pipeline (leads of 0: capacity follows at once and never binds); and produces no more than
its capacity and its budget allow (``sim.core.dynamics.rival_budget``): when the defence share
it wants (the war's and peacetime's non-munitions spending plus output times the unit cost)
exceeds what it can pay, both are cut in proportion. Its non-munitions spending takes a quarterly
shock (``rival_budget_noise_sd_pp``, the rival's one standard-normal draw, which also moves its
output when ``rival_noise_sd_pct`` is on). Strain above a threshold slows its GDP
growth (never below ``RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR``).
"""

from __future__ import annotations

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import clip, fmax, fmin, inlined
from sim.core.dynamics.rival_budget import allowed_share, finance
from sim.core.dynamics.state import DT, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR
from sim.core.dynamics.war import war_need


@inlined
def stock_gap(p, s, r: int) -> float:
    """What closing run r's gap to the stock it wants adds to its aim (M rounds/yr)."""
    wanted_stock = p[r, P.rival_adequacy_ratio] * s.alliance_stock[r]
    return fmax(0.0, wanted_stock - s.rival_stock[r]) / p[r, P.rival_stock_adjustment_years]


@inlined
def rival_aim(st, p, s, r: int, k: int, alliance_output: float) -> float:
    """The output run r's rival aims for in quarter k (M rounds/yr)."""
    reaction = p[r, P.rival_target_ratio] * alliance_output
    return (
        reaction
        + p[r, P.rival_output_baseline_m_per_year]
        + war_need(st, p, r, k)
        + stock_gap(p, s, r)
    )


@inlined
def rival_gdp_next(p, s, r: int) -> float:
    """Run r's rival GDP next quarter: its growth less the strain of a high defence share."""
    strain = p[r, P.rival_strain_growth_cost] * fmax(
        0.0, s.rival_defence_share_pct[r] - p[r, P.rival_strain_threshold_pct]
    )
    growth = fmax(
        p[r, P.rival_gdp_growth_pct_per_year] - strain, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR
    )
    return s.rival_gdp_usd_bn[r] * (1 + growth * DT / 100)


@inlined
def _ordered_by_age(table, r: int, newest: int, age: int) -> float:
    """Run r's rival orders placed at least ``age`` quarters before quarter ``newest``, in all."""
    index = newest - age
    return table[r, index] if index >= 0 else 0.0


@inlined
def rival_capacity_next(c, s, new, r: int, k: int, aim: float) -> float:
    """Run r's rival capacity after quarter k: orders up to ``aim``, online after its leads.

    As the members' pipeline (``sim.core.dynamics.capacity``); writes the running total of
    orders and what is committed into ``s``'s table and ``new``.
    """
    first, full = c.rival_lead_first[r], c.rival_lead_full[r]
    orders = fmax(0.0, aim - s.rival_committed[r])
    table = s.rival_orders_cumulative
    table[r, k] = (table[r, k - 1] if k > 0 else 0.0) + orders
    new.rival_committed[r] = s.rival_committed[r] + orders
    arrived = _ordered_by_age(table, r, k, first) - _ordered_by_age(table, r, k, full + 1)
    capacity = s.rival_capacity[r] + arrived / float(full - first + 1)
    new.rival_capacity[r] = capacity
    return capacity


@inlined
def rival_respond(st, p, c, s, new, r: int, k: int, alliance_output: float, noise: float) -> None:
    """Process 6: run r's rival output, capacity, budget and GDP after quarter k (into ``new``)."""
    now = s.rival_output[r]
    aim = rival_aim(st, p, s, r, k, alliance_output)
    change = p[r, P.rival_adjustment_speed_per_year] * DT * (aim - now)
    change = change + now * p[r, P.rival_noise_sd_pct] / 100 * noise
    limit = p[r, P.rival_ramp_limit_pct_per_year] / 100 * DT * fmax(now, c.rival_output_initial[r])
    wanted = fmax(0.0, now + clip(change, -limit, limit))
    # it orders capacity up to its aim, or to the output it moves to if that is higher (an
    # overshoot or a shock): with leads of 0 capacity then never binds (Richardson's limit)
    capacity = rival_capacity_next(c, s, new, r, k, fmax(aim, wanted))
    output = fmin(wanted, capacity)
    gdp = rival_gdp_next(p, s, r)
    rest_aim = fmax(0.0, c.rival_rest_peace_pct[r] + st.war_on[k] * p[r, P.rival_war_effort_pct])
    speed = fmin(1.0, p[r, P.rival_budget_speed_per_year] * DT)
    rest = s.rival_rest_share_pct[r] + speed * (rest_aim - s.rival_rest_share_pct[r])
    rest = fmax(0.0, rest + p[r, P.rival_budget_noise_sd_pp] * noise)
    share = rest + 100 * output * p[r, P.rival_round_cost_usd_k] / gdp
    allowed = allowed_share(p, s, r, gdp)
    if share > allowed:  # it cannot pay for both: each is cut in proportion
        cut = fmax(allowed, 0.0) / share
        output, rest, share = output * cut, rest * cut, share * cut
    finance(p, s, new, r, gdp, share)
    new.rival_output[r] = output
    new.rival_gdp_usd_bn[r] = gdp
    new.rival_rest_share_pct[r] = rest
    new.rival_defence_share_pct[r] = share
    new.rival_headroom_pct[r] = fmax(0.0, allowed - share)
