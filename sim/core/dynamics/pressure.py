"""Process 2, alliance pressure, and the pressure term of a member's decision.

The target path in force is a straight line from the member's initial share to the target plus
``target_margin_pp`` at the deadline; the hegemon's pressure and the fraction of peers (same
region) already at the target give the weight with which a member closes the gap between its
desired share before pressure and that path: the pressure term is that pull.
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import clip, fmax, inlined
from sim.core.dynamics.retrenchment import pressure_fade
from sim.core.dynamics.state import EPS
from sim.core.dynamics.terms import Term


@inlined
def progress_at(st, p, r: int, t: float) -> float:
    """Run r's fraction of the way from the start to the target's deadline at time t (years)."""
    t0 = st.times[0]
    deadline = p[r, P.target_deadline_year] + 0.75
    span = fmax(deadline - t0, EPS)
    return clip((t - t0) / span, 0.0, 1.0)


@inlined
def progress(st, p, r: int, k: int) -> float:
    """Run r's fraction of the way from the start to the target's deadline at row k."""
    return progress_at(st, p, r, st.times[k])


@inlined
def reviewed(st, p, r: int, t: float) -> bool:
    """Whether the commitment's review (``commitment_review_year``) has happened by time t."""
    review = p[r, P.commitment_review_year]
    return review > st.times[0] + EPS and t >= review - EPS


@inlined
def target_path(st, p, c, plan, r: int, i: int, t: float) -> float:
    """Member i's target path at time t (% GDP).

    The straight line from its plan's start share (``plan``, (R, N): its initial share, or its
    share at the review once reviewed) to the target plus ``target_margin_pp`` at the deadline:
    the pressure term's, and a commitment's line with annual plans
    (``sim.core.dynamics.commitment``).
    """
    start = plan[r, i]
    end = c.target_core_pct[r, i] + p[r, P.target_margin_pp]
    if not reviewed(st, p, r, t):
        return start + (end - start) * progress_at(st, p, r, t)
    t0 = p[r, P.commitment_review_year]
    span = fmax(p[r, P.target_deadline_year] + 0.75 - t0, EPS)
    return start + (end - start) * clip((t - t0) / span, 0.0, 1.0)


@inlined
def feel_pressure(
    st, p, c, s, new, r: int, k: int, path: np.ndarray, weight: np.ndarray, counts: np.ndarray
) -> None:
    """Process 2: run r's target path, pressure weight and fraction of peers at the target.

    The weight is ``hegemon_pressure + peer_conformity * (fraction of peers at the target)``,
    the hegemon's part fading once it retrenches (``sim.core.dynamics.retrenchment``),
    times the member's regional pressure multiplier (``Members.pressure_response``, 1 without
    a region table), clipped to [0, 1], and 0 for members without armed forces; the path ends at
    the target plus ``target_margin_pp``. Writes row r of ``path`` (% GDP), ``weight`` and
    ``new.peers_at_target`` (each (R, N), in [0, 1]), and ``new.plan_start_pct``: the plan's
    start, re-based to the member's share in the review's first quarter. ``counts``
    (``st.n_regions``,) is work space.
    """
    n = st.exposure.shape[0]
    peers = new.peers_at_target
    for g in range(st.n_regions):  # members at target per region (sums of 0/1: exact)
        counts[g] = 0.0
    for i in range(n):
        if s.core_share_pct[r, i] >= c.target_core_pct[r, i] - EPS:
            counts[st.region_of[i]] += 1.0
    t = st.times[k + 1]
    fade = pressure_fade(st, p, r, t)  # 1 until the hegemon retrenches
    rebase = abs(t - p[r, P.commitment_review_year]) < EPS  # the review's first quarter
    for i in range(n):
        new.plan_start_pct[r, i] = s.core_share_pct[r, i] if rebase else s.plan_start_pct[r, i]
        path[r, i] = target_path(st, p, c, new.plan_start_pct, r, i, t)
        at_target = 1.0 if s.core_share_pct[r, i] >= c.target_core_pct[r, i] - EPS else 0.0
        peers[r, i] = (counts[st.region_of[i]] - at_target) / fmax(st.peer_counts[i], 1.0)
        pull = (
            p[r, P.hegemon_pressure] * fade + p[r, P.peer_conformity] * peers[r, i]
        ) * c.pressure_response[r, i]
        weight[r, i] = clip(pull, 0.0, 1.0) * st.armed[i]


@inlined
def pressure_term(x, r: int, out: np.ndarray) -> None:
    """The pressure term of run r's members (pp of GDP).

    The weight times the gap up to the target path.
    """
    weight, path, before = x.weight[r], x.path[r], x.before[r]
    for i in range(out.shape[0]):
        out[i] = weight[i] * fmax(0.0, path[i] - before[i])


PRESSURE = Term(
    name="pressure",
    label="Pressure",
    unit="pp of GDP",
    sign=1,
    doc="pull of the alliance (hegemon and regional peers) up toward the target path",
    kernel=pressure_term,
    pulls=True,
)
"""The pressure term: computed from the desired share before it (``TermInputs.before``)."""
