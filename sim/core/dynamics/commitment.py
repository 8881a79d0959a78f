"""Process 4b, commitments that bind: each year a member keeps its commitment if it can afford it.

A commitment is the target in force (``target_core_pct_gdp``, or the member's own) plus
``target_margin_pp``, to be reached by ``target_deadline_year``. Its *line* at a time is where the
member must be then: with ``commitment_annual_plans`` (the Hague commitment, whose annual
national plans must show a credible, incremental path, S38) the straight path from the member's
start share to the target + margin at the deadline, the same path the pressure term pulls toward
(``sim.core.dynamics.pressure``); without (the Wales pledge of 2014, which set no interim path,
docs/THEORY.md §3.1) the target + margin itself, binding only from the deadline year.

**The decision.** At the start of each year in which the commitment binds, each armed member
compares the rise it needs, its line at the end of that year less its share at the end of the
year before, with what it can raise in one year's budget: ``commitment_capacity_pp`` times its
fiscal space that year (from its debt and deficit: ``sim.core.dynamics.fiscal_room``).
If the rise is no larger, it keeps the commitment for the year: its core share never falls below
the line (the budget is set to meet it, whatever the partial adjustment toward its desired share
would give), nor its related share below the related path. Otherwise it delays, on its own
course, and decides again the next year with its new share and fiscal space. So a member that
has met a fixed line keeps it (the rise it needs is nil: once met, the target is a floor); one on
an annual path keeps to it while each year's step is affordable and breaks off when fiscal
stress makes it not (``commitment_kept`` records the year's decision, 0 or 1).

**National pledges** (``seeds/pledges.csv``: the UK's 2.5% by 2027 and 3% by 2034, S39/S31;
Poland's 4.7% in 2025 and 4.8% in 2026, S50; Lithuania's, Estonia's and Latvia's 4-5% from 2026,
S51-S53) are commitments of the member's own, with their deadlines: the line is never below the
straight path from the member's start share to each pledge by its year, kept or not by the same
decision (a pledge the member cannot afford slips). Spain's 2.1% (S38) is its own target
(``target_core_pct``), so its line is 2.1% + margin.

**An earlier guideline** (``guideline_floor_pct``, 2 in the forward scenarios: the Vilnius
communique of 2023 made 2% "an enduring commitment to invest at least 2% of GDP annually", S43)
is a commitment already due: the line in force is never below the guideline + margin, so a
member at or above it keeps it (once met, a floor) and one below it raises its share to it as
soon as it can afford the rise.

With ``commitment_capacity_pp = 0`` (the default) the commitment does nothing and
``commitment_kept`` stays 0: commitments act only through the pressure term; with
``guideline_floor_pct = 0`` (the default) there is no earlier guideline.
"""

from __future__ import annotations

import math

from sim.core.dynamics import param_index as P
from sim.core.dynamics.fiscal_room import fiscal_space
from sim.core.dynamics.jit import fmax, inlined, kernel
from sim.core.dynamics.pressure import target_path
from sim.core.dynamics.state import DT, EPS

KEPT_ALL = 1.0
"""``commitment_kept`` of a member keeping its whole commitment line this year."""
KEPT_EARLIER = 0.5
"""``commitment_kept`` of a member keeping only its earlier commitments (the guideline, its
national pledge): the target's line this year is beyond its means."""


@inlined
def year_starts(st, k: int) -> bool:
    """Whether row k is the first quarter of a calendar year."""
    t = st.times[k]
    return t - math.floor(t + EPS) < EPS


@inlined
def target_binds(st, p, r: int, t: float) -> bool:
    """Whether the target's own line binds at time t.

    Every year with annual plans, else from the deadline year (a guideline binds throughout).
    """
    return st.annual_plans or t >= p[r, P.target_deadline_year] - EPS


@inlined
def national_line(st, i: int, t: float) -> float:
    """Member i's national pledge path at time t (% GDP; 0: none), held after the last row."""
    rows = st.pledge_path.shape[0]
    k = int(round((t - st.times[0]) / DT))
    return st.pledge_path[min(max(k, 0), rows - 1), i]


@inlined
def earlier_line(st, p, r: int, i: int, t: float) -> float:
    """Member i's line at time t from the commitments other than the target's, % GDP (0: none).

    The earlier guideline + margin (when there is one) and its national pledge path: what a
    member that cannot afford the target's line this year can still keep.
    """
    line = national_line(st, i, t)
    guideline = p[r, P.guideline_floor_pct]
    if guideline > 0.0:
        line = fmax(line, guideline + p[r, P.target_margin_pp])
    return line


@inlined
def commitment_line(st, p, c, plan, r: int, i: int, t: float) -> float:
    """Member i's commitment line in force at time t (years), % GDP; 0 when none binds.

    The target's line (its path with annual plans, else the target + margin from the deadline
    year), never below the earlier guideline + margin when there is one, nor below the member's
    own national pledge path (``seeds/pledges.csv``: the path to each pledge by its year).
    ``plan`` (R, N) is where each member's plan starts (``State.plan_start_pct``).
    """
    line = 0.0
    if st.annual_plans:
        line = target_path(st, p, c, plan, r, i, t)
    elif target_binds(st, p, r, t):
        line = c.target_core_pct[r, i] + p[r, P.target_margin_pp]
    return fmax(line, earlier_line(st, p, r, i, t))


@kernel  # once a year per member: a call, not inlined into every member's quarter
def decide_commitment(st, p, c, plan, ref, r: int, k: int, i: int, share: float) -> float:
    """Member i's decision at the year start at row k, from its share at the end of last year.

    :data:`KEPT_ALL` if the rise to the whole line at the year's end is within one budget
    (``commitment_capacity_pp`` x its fiscal space), else :data:`KEPT_EARLIER` if the rise to
    its earlier commitments' line is, else 0. ``plan`` is where its plan starts and ``ref``
    its share at the end of the fiscal data (``State``).
    """
    room = p[r, P.commitment_capacity_pp] * fiscal_space(st, p, ref, r, k, i, share)
    end = st.times[k] + 0.75
    line = commitment_line(st, p, c, plan, r, i, end)
    earlier = earlier_line(st, p, r, i, end)
    if line > 0.0 and line - share <= room:
        return KEPT_ALL
    if earlier > 0.0 and earlier - share <= room:
        return KEPT_EARLIER
    return 0.0


@inlined
def keep_commitment(st, p, c, s, new, r: int, k: int, i: int, core: float, decides: bool) -> float:
    """Member i of run r at row k + 1: decide whether it keeps its commitment; its floored share.

    Reads ``new.fiscal_reference_pct`` (set by ``fiscal_room.carry_reference`` this quarter). Writes
    ``new.commitment_kept[r, i]`` (:data:`KEPT_ALL`, :data:`KEPT_EARLIER` or 0; decided
    at each year start, :func:`decide_commitment`, and held through the year) and returns
    ``core`` (the share the adjustment gives for row k + 1) raised to the line it keeps this
    year: the whole commitment line, or the earlier commitments' line. ``decides`` is
    :func:`decides_at`, computed once per run and quarter outside the members' loop.
    """
    kept = s.commitment_kept[r, i]
    t = st.times[k + 1]
    if decides and st.armed[i] > 0.0:
        kept = decide_commitment(
            st, p, c, new.plan_start_pct, new.fiscal_reference_pct, r, k + 1, i,
            s.core_share_pct[r, i],
        )  # fmt: skip
    new.commitment_kept[r, i] = kept
    if kept == KEPT_ALL:
        return fmax(core, commitment_line(st, p, c, new.plan_start_pct, r, i, t))
    if kept == KEPT_EARLIER:
        return fmax(core, earlier_line(st, p, r, i, t))
    return core


@inlined
def decides_at(st, p, r: int, k: int) -> bool:
    """Whether run r's members decide their commitments at row k: a year start, the mechanism on."""
    return p[r, P.commitment_capacity_pp] > 0.0 and year_starts(st, k)


@inlined
def decide_at_start(st, p, c, s, r: int) -> None:
    """Run r's decisions for the first year when the run starts on a year start (row 0).

    A forward run from 2025Q1 decides its 2025 budget from the record's shares, as every later
    year start does from the year before; a run starting mid-year (the backcast, 2014Q3) first
    decides at its first year start.
    """
    if not decides_at(st, p, r, 0):
        return
    for i in range(st.exposure.shape[0]):
        if st.armed[i] > 0.0:
            s.commitment_kept[r, i] = decide_commitment(
                st, p, c, s.plan_start_pct, s.fiscal_reference_pct, r, 0, i, s.core_share_pct[r, i]
            )
