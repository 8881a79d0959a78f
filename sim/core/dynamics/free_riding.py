"""Process 3, free riding: the term by which allies' spending lowers a member's desired share.

Allies' spending is partly a public good: a rise in the allies' combined share lowers the
member's desired share (a spatial lag on burdens), or, in the pure public-good limit, each extra
dollar allies spend lowers its desired spending (Olson-Zeckhauser).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import fmax, inlined
from sim.core.dynamics.state import EPS, PUBLIC_GOOD
from sim.core.dynamics.terms import Term


@inlined
def free_riding_term(x, r: int, out: np.ndarray) -> None:
    """The free-riding term of run r's members, pp of GDP (0 without armed forces).

    With ``anchor_mode = 'public_good'`` this is Olson and Zeckhauser's pure public good: each
    extra dollar allies spend lowers the member's desired spending by ``free_riding_strength``
    dollars (relative to its own income). Otherwise the spill-in is on burdens (a spatial lag on
    shares): each point of GDP more that the allies spend together, relative to the start, lowers
    the member's desired share by ``free_riding_strength`` points.
    """
    core, gdp = x.s.core_share_pct[r], x.s.gdp_usd_bn[r]
    gdp0, reference = x.c.gdp_initial[r], x.c.allies_spending_ref[r]
    armed = x.static.armed
    strength = x.p[r, P.free_riding_strength]
    public_good = x.static.anchor_mode == PUBLIC_GOOD
    spending, gdp_total, gdp0_total = x.spending_total[r], x.gdp_total[r], x.gdp_initial_total[r]
    for i in range(out.shape[0]):
        q = core[i] / 100 * gdp[i]
        allies = spending - q
        if public_good:
            value = 100 * strength * allies / gdp[i]
        else:
            share_now = 100 * allies / fmax(gdp_total - gdp[i], EPS)
            share_ref = 100 * reference[i] / fmax(gdp0_total - gdp0[i], EPS)
            value = strength * (share_now - share_ref)
        out[i] = value * armed[i]


FREE_RIDING = Term(
    name="free_riding",
    label="Free riding",
    unit="pp of GDP",
    sign=-1,
    doc="core share given up because allies spend more (allies' spending is a public good)",
    kernel=free_riding_term,
)
"""The free-riding term (subtracted from the desired share)."""
