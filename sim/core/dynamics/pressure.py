"""Process 2, alliance pressure, and the pressure term of a member's decision.

The target path in force is a straight line from the member's initial share to the target plus
``target_margin_pp`` at the deadline; the hegemon's pressure and the fraction of peers (same
region) already at the target give the weight with which a member closes the gap between its
desired share before pressure and that path: the pressure term is that pull.
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.state import EPS, Constants, State, Static
from sim.core.dynamics.terms import Term, TermInputs


def progress(static: Static, p: ParamArrays, k: int) -> np.ndarray:
    """Fraction of the way from the start to the target's deadline at row k (R, 1)."""
    t0 = static.times[0]
    deadline = p.target_deadline_year + 0.75
    span = np.maximum(deadline - t0, EPS)
    return np.clip((static.times[k] - t0) / span, 0.0, 1.0)


def feel_pressure(
    static: Static, p: ParamArrays, c: Constants, s: State
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Process 2: the target path, the pressure weight and the fraction of peers at target.

    The weight is ``hegemon_pressure + peer_conformity * (fraction of peers at the target)``
    times the member's regional pressure multiplier (``Members.pressure_response``, 1 without
    a region table), clipped to [0, 1]; the path ends at the target plus ``target_margin_pp``.

    Returns:
        (path (R, N) in % GDP, weight (R, N) in [0, 1], peers at target (R, N) in [0, 1]).
    """
    start = c.core_share_initial
    path = start + (c.target_core_pct + p.target_margin_pp - start) * progress(static, p, s.k + 1)
    at_target = (s.core_share_pct >= c.target_core_pct - EPS).astype(float)
    # counts of members at target per region (sums of 0/1: exact in any order), minus oneself
    counts = np.stack([at_target[:, idx].sum(axis=1) for idx in static.region_members], axis=1)
    peers = (counts[:, static.region_of] - at_target) / np.maximum(static.peer_counts, 1.0)
    weight = np.clip(
        (p.hegemon_pressure + p.peer_conformity * peers)
        * static.members.pressure_response[None, :],
        0.0,
        1.0,
    )
    return path, weight * static.members.armed[None, :], peers


def pressure_term(inputs: TermInputs) -> np.ndarray:
    """The pressure term (R, N), pp of GDP: the weight times the gap up to the target path."""
    return inputs.weight * np.maximum(0.0, inputs.path - inputs.before)


PRESSURE = Term(
    name="pressure",
    label="Pressure",
    unit="pp of GDP",
    sign=1,
    doc="pull of the alliance (hegemon and regional peers) up toward the target path",
    function=pressure_term,
    pulls=True,
)
"""The pressure term: computed from the desired share before it (``TermInputs.before``)."""
