"""Process 3, free riding: the term by which allies' spending lowers a member's desired share.

Allies' spending is partly a public good: a rise in the allies' combined share lowers the
member's desired share (a spatial lag on burdens), or, in the pure public-good limit, each extra
dollar allies spend lowers its desired spending (Olson-Zeckhauser).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.state import EPS, Constants, State, Static, row_sum
from sim.core.dynamics.terms import Term, TermInputs


def weigh_free_riding(static: Static, p: ParamArrays, c: Constants, s: State) -> np.ndarray:
    """Process 3: the fall in desired share from allies' extra spending (R, N), pp of GDP.

    With ``anchor_mode = 'public_good'`` this is Olson and Zeckhauser's pure public good: each
    extra dollar allies spend lowers the member's desired spending by ``free_riding_strength``
    dollars (relative to its own income). Otherwise the spill-in is on burdens (a spatial lag on
    shares): each point of GDP more that the allies spend together, relative to the start, lowers
    the member's desired share by ``free_riding_strength`` points.
    """
    q = s.core_share_pct / 100 * s.gdp_usd_bn
    allies = row_sum(q, True) - q
    if static.anchor_mode == "public_good":
        return 100 * p.free_riding_strength * allies / s.gdp_usd_bn
    allies_gdp = row_sum(s.gdp_usd_bn, True) - s.gdp_usd_bn
    allies_gdp0 = row_sum(c.gdp_initial, True) - c.gdp_initial
    share_now = 100 * allies / np.maximum(allies_gdp, EPS)
    share_ref = 100 * c.allies_spending_ref / np.maximum(allies_gdp0, EPS)
    return p.free_riding_strength * (share_now - share_ref)


def free_riding_term(inputs: TermInputs) -> np.ndarray:
    """The free-riding term (R, N), pp of GDP (0 for members without armed forces)."""
    value = weigh_free_riding(inputs.static, inputs.p, inputs.constants, inputs.state)
    return value * inputs.static.members.armed[None, :]


FREE_RIDING = Term(
    name="free_riding",
    label="Free riding",
    unit="pp of GDP",
    sign=-1,
    doc="core share given up because allies spend more (allies' spending is a public good)",
    function=free_riding_term,
)
"""The free-riding term (subtracted from the desired share)."""
