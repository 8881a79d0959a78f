"""What the equations work on: the batch's fixed structure, each run's constants and its state.

:class:`Static` is fixed for every run of a batch (members, calendar, schedules); its
:attr:`Static.arrays` (:class:`StaticArrays`) is the same as plain arrays and numbers, the form
the compiled equations read. :class:`Constants` is fixed for each run once it is initialised
(anchors, references, initial levels); :class:`State` is what evolves from quarter to quarter.
Member arrays are (R, N), rival arrays (R,). The three are ``NamedTuple`` s of arrays, so the
compiled functions of ``sim.core.dynamics`` take them as they are.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.core import fiscal
from sim.core.data import Members
from sim.core.dynamics.ranks import average_ranks
from sim.core.params import Params, parse_quarter
from sim.core.targets import TARGET_LINES

if TYPE_CHECKING:
    from sim.core.dynamics.history import History

DT = 0.25
"""Years per step (one quarter)."""
EPS = 1e-9
RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR = -30.0
"""The fastest the rival's GDP can shrink, %/yr, however great the strain: a bound, not an
estimate, at about the worst year of an economy at war in recent data (Ukraine 2022: real GDP
-29.1%, State Statistics Service of Ukraine, April 2023). It keeps GDP positive; the shipped
scenarios never come near it (their worst is -1.5%/yr)."""

ANCHOR_MODES = ("calibrated", "fixed", "public_good")
"""``anchor_mode`` values, in the order of their codes in :attr:`StaticArrays.anchor_mode`."""
THREAT_SIGNALS = ("log_ratio", "rival_output")
"""``threat_signal`` values, in the order of their codes in :attr:`StaticArrays.threat_signal`."""
FIXED = ANCHOR_MODES.index("fixed")
PUBLIC_GOOD = ANCHOR_MODES.index("public_good")
RIVAL_OUTPUT_SIGNAL = THREAT_SIGNALS.index("rival_output")
"""The codes the compiled equations compare ``StaticArrays.anchor_mode`` and
``threat_signal`` with."""


HEGEMON_ISO3 = "USA"
"""The member whose pressure is the hegemon's (``sim.core.dynamics.retrenchment``)."""


def row_sum(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Sum over members (axis 1) so that each run's sum is the same whatever the batch size.

    numpy sums a C-contiguous array along its last axis row by row with the same pairwise
    algorithm whatever the number of rows, the order ``sim.core.dynamics.jit.pairwise_sum``
    reproduces in the compiled equations; the input is made contiguous first.
    """
    return np.ascontiguousarray(x).sum(axis=1, keepdims=keepdims)


class StaticArrays(NamedTuple):
    """:class:`Static` as arrays and numbers, the form the compiled equations read."""

    exposure: np.ndarray  # (N,)
    armed: np.ndarray  # (N,) 1.0 for members with armed forces, else 0.0
    core_share_pct: np.ndarray  # (N,) initial core share
    gdp_usd_bn: np.ndarray  # (N,) initial GDP
    target_override_pct: np.ndarray  # (N,) member's own core target (NaN: the alliance's)
    region_of: np.ndarray  # (N,) int, index of each member's region
    n_regions: int
    peer_counts: np.ndarray  # (N,) peers in the region (not itself)
    pledge_path: np.ndarray  # (T+1, N)
    fiscal_debt_pct: np.ndarray  # (T+1, N) general-government debt, % GDP (sim.core.fiscal)
    fiscal_balance_pct: np.ndarray  # (T+1, N) overall balance, % GDP
    fiscal_projected: np.ndarray  # (T+1,) 1.0 in the years after the fiscal data
    fiscal_allowance_pp: np.ndarray  # (T+1, N) the escape clause's room, pp of GDP
    shock_on: np.ndarray  # (T+1,) 1.0 from the threat shock's quarter on
    war_on: np.ndarray  # (T+1,) 1.0 in the quarters (from each row) the war lasts
    times: np.ndarray  # (T+1,)
    gdp_rank: np.ndarray  # (N,)
    armed_index: np.ndarray  # (A,) int, the members with armed forces
    anchor_mode: int  # index in ANCHOR_MODES
    threat_signal: int  # index in THREAT_SIGNALS
    cap_shares: bool
    annual_plans: bool  # commitments bind every year (sim.core.dynamics.commitment)
    hegemon_index: int  # the hegemon's member index, -1 if none (sim.core.dynamics.retrenchment)
    line_values: np.ndarray  # (L,) the target lines (sim.core.targets.TARGET_LINES)
    line_counts_related: np.ndarray  # (L,) bool, the line counts core + related


@dataclass(frozen=True)
class Static:
    """What is fixed for every run of a batch: the members, the calendar and the schedules."""

    members: Members
    times: np.ndarray  # (T+1,) time in years of each row, row 0 the initial state
    quarters: tuple[str, ...]
    region_of: np.ndarray  # (N,) index of each member's region (its peer group)
    region_members: tuple[np.ndarray, ...]  # member indices of each region
    peer_counts: np.ndarray  # (N,) number of peers (same region, not itself)
    pledge_path: np.ndarray  # (T+1, N) national pledges' path, a commitment line (0: none)
    fiscal_debt_pct: np.ndarray  # (T+1, N) each member's debt, % GDP, as known (sim.core.fiscal)
    fiscal_balance_pct: np.ndarray  # (T+1, N) each member's overall balance, % GDP
    fiscal_projected: np.ndarray  # (T+1,) 1.0 in years after the fiscal data (sim.core.fiscal)
    fiscal_allowance_pp: np.ndarray  # (T+1, N) the escape clause's room, pp of GDP
    shock_on: np.ndarray  # (T+1,) True from the threat shock's quarter on
    war_on: np.ndarray  # (T+1,) True in the quarters from each row that the war lasts
    anchor_mode: str
    threat_signal: str
    gdp_rank: np.ndarray
    """(N,) rank 1..A of each armed member's GDP among the A armed members, NaN for a member
    without armed forces (fixed: all grow at the same rate); the burden rank correlation ranks
    the armed members' shares against these."""
    cap_shares: bool = True  # cap each member's core + related share at 100% of its GDP
    annual_plans: bool = False  # commitments bind along their path every year, not at the deadline
    hegemon_index: int = -1  # the hegemon's member index (sim.core.dynamics.retrenchment), -1: none
    history: History | None = None
    """The backcast run before the first quarter (``sim.core.dynamics.history``), or None."""

    @property
    def n_steps(self) -> int:
        """Number of quarters simulated after the initial state."""
        return len(self.times) - 1

    @functools.cached_property
    def arrays(self) -> StaticArrays:
        """The same as :class:`StaticArrays` (built once per object)."""
        m = self.members
        n = m.n
        override = m.target_override_pct
        f64 = functools.partial(np.ascontiguousarray, dtype=np.float64)
        return StaticArrays(
            exposure=f64(m.exposure),
            armed=f64(np.asarray(m.armed, dtype=bool)),
            core_share_pct=f64(m.core_share_pct),
            gdp_usd_bn=f64(m.gdp_usd_bn),
            target_override_pct=f64(np.full(n, np.nan) if override is None else override),
            region_of=np.ascontiguousarray(self.region_of, dtype=np.int64),
            n_regions=len(self.region_members),
            peer_counts=f64(self.peer_counts),
            pledge_path=f64(self.pledge_path),
            fiscal_debt_pct=f64(self.fiscal_debt_pct),
            fiscal_balance_pct=f64(self.fiscal_balance_pct),
            fiscal_projected=f64(self.fiscal_projected),
            fiscal_allowance_pp=f64(self.fiscal_allowance_pp),
            shock_on=f64(self.shock_on),
            war_on=f64(self.war_on),
            times=f64(self.times),
            gdp_rank=f64(self.gdp_rank),
            armed_index=np.flatnonzero(np.asarray(m.armed, dtype=bool)).astype(np.int64),
            anchor_mode=ANCHOR_MODES.index(self.anchor_mode),
            threat_signal=THREAT_SIGNALS.index(self.threat_signal),
            cap_shares=bool(self.cap_shares),
            annual_plans=bool(self.annual_plans),
            hegemon_index=int(self.hegemon_index),
            line_values=f64([line.value for line in TARGET_LINES]),
            line_counts_related=np.array([line.counts_related for line in TARGET_LINES]),
        )


class Constants(NamedTuple):
    """Each run's constants, fixed when it is initialised (``initial_state``).

    ``threat_response`` and ``pressure_response`` are each run's behavioural multipliers, set
    before the compiled initialisation reads them (by default the members' own,
    ``Members.threat_response`` and ``pressure_response``, in every run; the calibration gives
    each candidate's runs their own, to evaluate many candidates in one batch).
    """

    anchor_pct: np.ndarray  # (R, N) the desired share before the decision terms
    allies_spending_ref: np.ndarray  # (R, N) allies' spending the free-riding term compares to
    core_share_initial: np.ndarray  # (R, N)
    related_share_initial: np.ndarray  # (R, N)
    gdp_initial: np.ndarray  # (R, N)
    target_core_pct: np.ndarray  # (R, N) the target in force for each member
    threat_response: np.ndarray  # (R, N) multiplier of the threat sensitivity (region x member)
    pressure_response: np.ndarray  # (R, N) multiplier of the pressure weight (region x member)
    air_defence_spend_initial: np.ndarray  # (R, N)
    munitions_per_usd_bn: np.ndarray  # (R,)
    rival_output_initial: np.ndarray  # (R,)
    rival_gdp_initial: np.ndarray  # (R,)
    rival_rest_peace_pct: np.ndarray  # (R,) rival defence share besides munitions, in peace
    lead_first: np.ndarray  # (R,) int, quarters from order to first output
    lead_full: np.ndarray  # (R,) int, quarters from order to nameplate
    rival_lead_first: np.ndarray  # (R,) int, the rival's
    rival_lead_full: np.ndarray  # (R,) int, the rival's
    threat_carried: np.ndarray
    """(R, N) perceived threat carried from a backcast (``sim.core.dynamics.history``) beyond
    what the scenario's own signal gives at its start, added to the signal in every quarter
    (0 without a history): the threat stays where the record left it and moves with the
    signal's changes."""


class State(NamedTuple):
    """Every run's state at one quarter; member arrays are (R, N), rival arrays (R,).

    ``orders_cumulative`` (and the rival's ``rival_orders_cumulative``) is shared by the states
    of one trajectory: row j holds the running total of orders after the j-th quarter, and a
    state at row ``k`` reads rows below ``k`` only.
    """

    k: int  # row index of this state in Static.times
    core_share_pct: np.ndarray
    related_share_pct: np.ndarray
    gdp_usd_bn: np.ndarray
    threat: np.ndarray  # perceived threat (threat units)
    munitions_capacity: np.ndarray  # M rounds/yr
    munitions_output: np.ndarray  # M rounds/yr
    committed: np.ndarray  # capacity online plus capacity on order (M rounds/yr)
    orders_cumulative: np.ndarray  # (R, T, N) cumulative orders after each quarter
    air_defence: np.ndarray  # capability relative to the member's start level
    air_defence_share_pct: np.ndarray  # air and missile defence spending, % GDP (part of core)
    rival_output: np.ndarray
    rival_gdp_usd_bn: np.ndarray
    rival_defence_share_pct: np.ndarray
    rival_capacity: np.ndarray  # (R,) M rounds/yr
    rival_committed: np.ndarray  # (R,) capacity online plus on order, M rounds/yr
    rival_orders_cumulative: np.ndarray  # (R, T) the rival's running total of orders
    rival_stock: np.ndarray  # (R,) M rounds
    alliance_stock: np.ndarray  # (R,) M rounds
    rival_rest_share_pct: np.ndarray  # (R,) rival defence spending besides munitions, % GDP
    rival_reserves_usd_bn: np.ndarray  # (R,)
    rival_debt_pct: np.ndarray  # (R,) % GDP
    rival_headroom_pct: np.ndarray  # (R,) what it could still pay for, % GDP (0: its budget binds)
    cumulative_extra_spending_usd_bn: np.ndarray
    term_values: np.ndarray
    """(R, n terms, N): each decision term's value in the last decision (pp of GDP), in the
    order of ``sim.core.dynamics.terms.member_terms``."""
    desired_core_share_pct: np.ndarray
    peers_at_target: np.ndarray
    fiscal_reference_pct: np.ndarray
    """(R, N) each member's core share at the end of the last year of fiscal data (its initial
    share in a run that starts after it): a projected year's deficit carries the rise since
    (``sim.core.fiscal``, ``sim.core.dynamics.fiscal_room.fiscal_space``)."""
    plan_start_pct: np.ndarray
    """(R, N) the share each member's target path starts from: its initial share, re-based to
    its share at the commitment's review (``sim.core.dynamics.pressure.target_path``)."""
    commitment_kept: np.ndarray
    """(R, N) 1.0 for a member keeping the commitment in force past its deadline (its share
    held at or above the target line), else 0.0 (``sim.core.dynamics.commitment``)."""

    @property
    def alliance_output(self) -> np.ndarray:
        """Alliance munitions output (R,), M rounds/yr."""
        return row_sum(self.munitions_output)


def _pledge_path(members: Members, times: np.ndarray) -> np.ndarray:
    """The national pledges' path (T+1, N), a commitment line (0: none; ``commitment``)."""
    t0 = times[0]
    floor = np.zeros((len(times), members.n))
    by_member: dict[int, list[tuple[float, float]]] = {}
    for i, year, pct in members.pledges:
        by_member.setdefault(i, []).append((year + 0.75, pct))  # due in the year's last quarter
    for i, points in by_member.items():
        # a path through the pledges in time order, from the member's share at the start
        # (a pledge already due at the start is a floor from the start)
        points = sorted(points)
        start = max([members.core_share_pct[i]] + [pct for t, pct in points if t <= t0])
        due = [t0] + [t for t, _ in points if t > t0]
        level = [start] + [pct for t, pct in points if t > t0]
        floor[:, i] = np.interp(times, due, level)
    return floor


def build_static(params: Params, members: Members, history: History | None = None) -> Static:
    """Build the calendar, peer groups and schedules shared by a batch of runs.

    ``history`` is the backcast run first (``sim.core.dynamics.history``, whose
    ``build_static``, the package's, loads the one ``params.history_config`` names).
    """
    t0 = parse_quarter(params.start_quarter)
    t1 = parse_quarter(params.end_quarter)
    n_steps = round((t1 - t0) / DT)
    times = t0 + DT * np.arange(n_steps + 1)
    quarters = tuple(f"{int(round(t * 4)) // 4}Q{int(round(t * 4)) % 4 + 1}" for t in times)
    years = np.floor(times + EPS)
    region = np.array(members.region)
    names, region_of = np.unique(region, return_inverse=True)
    region_members = tuple(np.flatnonzero(region_of == g) for g in range(len(names)))
    peer_counts = np.bincount(region_of)[region_of].astype(float) - 1.0
    if params.threat_shock_quarter:
        shock_on = times >= parse_quarter(params.threat_shock_quarter) - EPS
    else:
        shock_on = np.zeros(len(times), dtype=bool)
    war_on = np.zeros(len(times), dtype=bool)
    if params.war_start_quarter:
        war_on = times >= parse_quarter(params.war_start_quarter) - EPS
    if params.ceasefire_quarter:
        war_on &= times < parse_quarter(params.ceasefire_quarter) - EPS
    return Static(
        members,
        times,
        quarters,
        region_of,
        region_members,
        peer_counts,
        _pledge_path(members, times),
        *fiscal.series_by_year(members.iso3, years, params.fiscal_data_until_year),
        fiscal.projected_rows(years, params.fiscal_data_until_year),
        fiscal.escape_allowance(members.iso3, years),
        shock_on,
        war_on,
        params.anchor_mode,
        params.threat_signal,
        _armed_gdp_ranks(members),
        params.cap_shares_at_gdp,
        params.commitment_annual_plans,
        members.iso3.index(HEGEMON_ISO3) if HEGEMON_ISO3 in members.iso3 else -1,
        history,
    )


def _armed_gdp_ranks(members: Members) -> np.ndarray:
    armed = np.asarray(members.armed, dtype=bool)
    ranks = np.full(members.n, np.nan)
    ranks[armed] = average_ranks(np.asarray(members.gdp_usd_bn)[armed])
    return ranks
