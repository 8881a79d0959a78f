"""Process 6, the rival's response: one rule, no declared decision terms.

The rival moves its output toward ``rival_target_ratio`` times the alliance's output (plus a
baseline), within its ramp limit and a ceiling on its defence share; strain above a threshold
slows its GDP growth (never below ``RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR``).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import clip, fmax, fmin, inlined
from sim.core.dynamics.state import DT, EPS, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR


@inlined
def rival_ceiling(p, c, r: int, rival_gdp: float) -> float:
    """Largest output of run r's rival that keeps its defence share within the ceiling."""
    f = p[r, P.rival_munitions_fraction_of_defence]
    if not f > 0:
        return np.inf  # no munitions in the budget: no ceiling on output
    share0 = fmax(p[r, P.rival_defence_share_initial_pct], EPS)
    room = p[r, P.rival_defence_share_ceiling_pct] / share0 * rival_gdp / c.rival_gdp_initial[r]
    return fmax(c.rival_output_initial[r] * (room - (1 - f)) / f, 0.0)


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
def rival_respond(p, c, s, new, r: int, alliance_output: float, noise: float) -> None:
    """Process 6: run r's rival output, GDP and defence share next quarter (into ``new``).

    The rival aims at ``rival_target_ratio`` times the alliance's output at the start of the
    quarter (plus a baseline), closes the gap at its adjustment speed, never changes output by
    more than its ramp limit, and stays under its defence-share ceiling.
    """
    now = s.rival_output[r]
    target = p[r, P.rival_target_ratio] * alliance_output + p[r, P.rival_output_baseline_m_per_year]
    change = p[r, P.rival_adjustment_speed_per_year] * DT * (target - now)
    change = change + now * p[r, P.rival_noise_sd_pct] / 100 * noise
    limit = p[r, P.rival_ramp_limit_pct_per_year] / 100 * DT * fmax(now, c.rival_output_initial[r])
    output = fmax(0.0, now + clip(change, -limit, limit))
    gdp = rival_gdp_next(p, s, r)
    output = fmin(output, rival_ceiling(p, c, r, gdp))
    f = p[r, P.rival_munitions_fraction_of_defence]
    initial = c.rival_output_initial[r]
    relative = output / initial if initial > 0 else 1.0
    base = p[r, P.rival_defence_share_initial_pct] * c.rival_gdp_initial[r] / gdp
    ceiling = p[r, P.rival_defence_share_ceiling_pct]
    # when the rest of the defence budget alone no longer fits under the ceiling (GDP shrank),
    # it is cut to the ceiling (munitions output is then 0 by rival_ceiling unless f is 0)
    share = ceiling if base * (1 - f) > ceiling else base * ((1 - f) + f * relative)
    new.rival_output[r] = output
    new.rival_gdp_usd_bn[r] = gdp
    new.rival_defence_share_pct[r] = share
