"""The hegemon's retrenchment: its pressure on the allies fades and its own share declines.

From ``hegemon_retrenchment_year`` on, the hegemon's (the United States') pressure weight in every
member's decision (``sim.core.dynamics.pressure``) falls linearly to nothing over
``hegemon_pressure_fade_years``, and the hegemon's own desired core share falls by
``hegemon_share_decline_pp_per_year`` a year below what its decision gives
(``sim.core.dynamics.choice``); its share follows by partial adjustment, never below a floor that
binds it (a commitment it keeps: ``sim.core.dynamics.commitment``).
The hegemon is the member ``HEGEMON_ISO3``; a member table without it has no one to retrench.
With the year at its default (2100) nothing changes in any shipped scenario's horizon.

The decline's default in ``configs/us_retrenchment.toml``, 0.25 pp a year, is the mean of the
United States' two retrenchments in SIPRI's record (``seeds/panel/``): 5.61% of GDP in 1990 to
3.09% in 1999 (0.28 pp a year) and 4.90% in 2010 to 3.30% in 2017 (0.23 pp a year).
"""

from __future__ import annotations

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import clip, fmax, inlined
from sim.core.dynamics.state import EPS, HEGEMON_ISO3

__all__ = ["HEGEMON_ISO3", "pressure_fade", "retrenchment_cut"]


@inlined
def pressure_fade(st, p, r: int, t: float) -> float:
    """The fraction of the hegemon's pressure still applied at time t (years), in [0, 1]."""
    start = p[r, P.hegemon_retrenchment_year]
    if t < start - EPS:
        return 1.0
    return clip(1.0 - (t - start) / fmax(p[r, P.hegemon_pressure_fade_years], EPS), 0.0, 1.0)


@inlined
def retrenchment_cut(st, p, r: int, i: int, t: float) -> float:
    """How far below its decision member i's desired share is at time t (pp).

    For the hegemon, ``hegemon_share_decline_pp_per_year`` times the years since it retrenched;
    0 for the rest.
    """
    start = p[r, P.hegemon_retrenchment_year]
    if i != st.hegemon_index or t < start - EPS:
        return 0.0
    return p[r, P.hegemon_share_decline_pp_per_year] * (t - start)
