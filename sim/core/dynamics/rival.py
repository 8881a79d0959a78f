"""Process 6, the rival's response: one rule, no declared decision terms.

The rival moves its output toward ``rival_target_ratio`` times the alliance's output (plus a
baseline), within its ramp limit and a ceiling on its defence share; strain above a threshold
slows its GDP growth (never below ``RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR``).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.state import DT, EPS, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR, Constants, State


def rival_ceiling(p: ParamArrays, c: Constants, rival_gdp: np.ndarray) -> np.ndarray:
    """Largest rival output (R,) that keeps its defence share within the ceiling."""
    f = p.rival_munitions_fraction_of_defence[:, 0]
    share0 = np.maximum(p.rival_defence_share_initial_pct[:, 0], EPS)
    room = p.rival_defence_share_ceiling_pct[:, 0] / share0 * rival_gdp / c.rival_gdp_initial
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf: no ceiling
        ceiling = c.rival_output_initial * (room - (1 - f)) / f
    return np.where(f > 0, np.maximum(ceiling, 0.0), np.inf)


def _rival_gdp(p: ParamArrays, s: State) -> np.ndarray:
    """The rival's GDP next quarter (R,): its growth less the strain of a high defence share."""
    strain = p.rival_strain_growth_cost[:, 0] * np.maximum(
        0.0, s.rival_defence_share_pct - p.rival_strain_threshold_pct[:, 0]
    )
    growth = np.maximum(
        p.rival_gdp_growth_pct_per_year[:, 0] - strain, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR
    )
    return s.rival_gdp_usd_bn * (1 + growth * DT / 100)


def rival_respond(
    p: ParamArrays, c: Constants, s: State, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Process 6: the rival's new output, GDP and defence share (each (R,)).

    The rival aims at ``rival_target_ratio`` times the alliance's output at the start of the
    quarter (plus a baseline), closes the gap at its adjustment speed, never changes output by
    more than its ramp limit, and stays under its defence-share ceiling.
    """
    target = (
        p.rival_target_ratio[:, 0] * s.alliance_output + p.rival_output_baseline_m_per_year[:, 0]
    )
    change = p.rival_adjustment_speed_per_year[:, 0] * DT * (target - s.rival_output)
    change = change + s.rival_output * p.rival_noise_sd_pct[:, 0] / 100 * noise
    limit = (
        p.rival_ramp_limit_pct_per_year[:, 0]
        / 100
        * DT
        * np.maximum(s.rival_output, c.rival_output_initial)
    )
    output = np.maximum(0.0, s.rival_output + np.clip(change, -limit, limit))
    gdp = _rival_gdp(p, s)
    output = np.minimum(output, rival_ceiling(p, c, gdp))
    f = p.rival_munitions_fraction_of_defence[:, 0]
    relative = np.divide(
        output, c.rival_output_initial, out=np.ones_like(output), where=c.rival_output_initial > 0
    )
    base = p.rival_defence_share_initial_pct[:, 0] * c.rival_gdp_initial / gdp
    share = base * ((1 - f) + f * relative)
    # when the rest of the defence budget alone no longer fits under the ceiling (GDP shrank),
    # it is cut to the ceiling (munitions output is then 0 by rival_ceiling unless f is 0)
    ceiling = p.rival_defence_share_ceiling_pct[:, 0]
    return output, gdp, np.where(base * (1 - f) > ceiling, ceiling, share)
