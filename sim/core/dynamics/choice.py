"""Process 4, the choice of shares: the decision terms summed, then partial adjustment.

Desired share = anchor + each term times its sign (threat - free riding by default), pulled
toward the target path by the pressure term (``sim.core.dynamics.terms``); the share moves toward
it by partial adjustment, with noise and a fiscal ramp limit, never below 0 nor below a national
pledge's floor. Related spending follows its own target path with the pressure weight.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.pressure import progress
from sim.core.dynamics.state import DT, Constants, State, Static
from sim.core.dynamics.terms import TermInputs, desired_before_pull, member_terms


def decide(inputs: TermInputs, anchor: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every decision term's value and the desired core share (R, N).

    Returns:
        (each term's value by name, in registry order; the desired core share in % GDP).
    """
    terms = member_terms()
    values = {t.name: t.function(inputs) for t in terms if not t.pulls}
    before = desired_before_pull(anchor, values)
    desired = before
    pulled = replace(inputs, before=before)
    for t in terms:
        if t.pulls:
            values[t.name] = t.function(pulled)
            desired = before + values[t.name]
    return {t.name: values[t.name] for t in terms}, desired


def choose_shares(
    static: Static,
    p: ParamArrays,
    c: Constants,
    s: State,
    desired: np.ndarray,
    weight: np.ndarray,
    noise: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Process 4: the new core and related shares (each (R, N), % GDP) given the desired share.

    Returns:
        (new core share, new related share).
    """
    armed = static.members.armed[None, :]
    step = p.adjustment_speed_per_year * DT * (desired - s.core_share_pct)
    step = step + p.noise_sd_pp * noise
    ramp = p.ramp_limit_pp_per_year * DT
    r0 = c.related_share_initial
    related_path = r0 + (p.target_related_pct_gdp - r0) * progress(static, p, s.k + 1)
    related_desired = r0 + weight * np.maximum(0.0, related_path - r0)
    related = np.maximum(
        0.0,
        s.related_share_pct
        + p.adjustment_speed_per_year * DT * (related_desired - s.related_share_pct),
    )
    core = np.maximum(0.0, s.core_share_pct + np.clip(step, -ramp, ramp))
    core = np.maximum(core, static.pledge_floor[s.k + 1][None, :])
    if static.cap_shares:  # core + related spending is at most all of GDP
        core = np.minimum(core, 100.0 - related)
    core = np.where(armed, core, 0.0)
    return core, related
