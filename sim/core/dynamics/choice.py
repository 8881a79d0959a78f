"""Process 4, the choice of shares: the decision terms summed, then partial adjustment.

Desired share = anchor + each term times its sign (threat - free riding by default), pulled
toward the target path by the pressure term (``sim.core.dynamics.terms``, summed by the
``decide`` function generated from the registry: ``sim.core.dynamics.compiled``); the share
moves toward it by partial adjustment (a rise slowed by the member's fiscal space when the
fiscal brake is on, ``sim.core.dynamics.fiscal_room``; off in the shipped scenarios), with
noise and a ramp limit, never below 0 nor, in a year the member keeps its commitment (the
alliance's target, an earlier guideline or its national pledge), below the commitment's line
(``sim.core.dynamics.commitment``). Related spending follows its own target path with the
pressure weight, and not below that path in a year the target's commitment binds and is kept
whole (not for an earlier commitment alone).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import param_index as P
from sim.core.dynamics.commitment import KEPT_ALL, decides_at, keep_commitment, target_binds
from sim.core.dynamics.fiscal_room import carry_reference, fiscal_brake
from sim.core.dynamics.jit import clip, fmax, fmin, inlined
from sim.core.dynamics.pressure import progress
from sim.core.dynamics.retrenchment import retrenchment_cut
from sim.core.dynamics.state import DT


@inlined
def choose_shares(st, p, c, s, new, r: int, k: int, weight: np.ndarray, noise: np.ndarray) -> None:
    """Process 4: run r's new core and related shares (``new``) given its desired share.

    Reads ``new.desired_core_share_pct`` (set by the decision) and the pressure ``weight``
    (R, N); ``noise`` is run r's standard-normal member shocks (N,) for quarter k.
    """
    share = progress(st, p, r, k + 1)
    ramp = p[r, P.ramp_limit_pp_per_year] * DT
    speed = p[r, P.adjustment_speed_per_year]
    decides = decides_at(st, p, r, k + 1)  # commitments decided this quarter (a year start)
    binds = target_binds(st, p, r, st.times[k + 1])
    for i in range(st.exposure.shape[0]):
        core_now = s.core_share_pct[r, i]
        # the hegemon's retrenchment, if any, lowers its desired share
        new.desired_core_share_pct[r, i] -= retrenchment_cut(st, p, r, i, st.times[k + 1])
        carry_reference(st, s, new, r, k, i)
        step = speed * DT * (new.desired_core_share_pct[r, i] - core_now)
        if step > 0.0:  # a rise is slowed by fiscal stress (a fall never is)
            step = step * fiscal_brake(st, p, new.fiscal_reference_pct, r, k + 1, i, core_now)
        step = step + p[r, P.noise_sd_pp] * noise[i]
        r0 = c.related_share_initial[r, i]
        related_path = r0 + (p[r, P.target_related_pct_gdp] - r0) * share
        related_desired = r0 + weight[r, i] * fmax(0.0, related_path - r0)
        related_now = s.related_share_pct[r, i]
        related = fmax(0.0, related_now + speed * DT * (related_desired - related_now))
        core = fmax(0.0, core_now + clip(step, -ramp, ramp))
        core = keep_commitment(st, p, c, s, new, r, k, i, core, decides)
        if binds and new.commitment_kept[r, i] == KEPT_ALL:
            related = fmax(related, related_path)  # the target's commitment covers related too
        if st.cap_shares:  # core + related spending is at most all of GDP
            core = fmin(core, 100.0 - related)
        new.core_share_pct[r, i] = core if st.armed[i] else 0.0
        new.related_share_pct[r, i] = related
