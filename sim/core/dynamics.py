"""The model's equations, written once, over arrays shaped (runs, members).

This module is the single source of truth for the dynamics. The Mesa model (``sim.abm.model``)
calls it with one run; the ensemble (``sim.core.ensemble``) calls it with thousands. Nothing here
knows about Mesa, files or sweeps.

One call of :func:`step` advances every run by one quarter (``DT`` = 0.25 years). All members and
the rival update simultaneously from the state at the start of the quarter (a synchronous update:
the rival observes the alliance's output with a one-quarter intelligence lag). The order of
operations inside a step:

1. :func:`perceive_threat`: each member's threat signal is its exposure times the rival's
   output relative to the alliance's (log of the ratio over a reference, or the rival's output
   level), plus any scheduled shock; perception is smoothed with memory. The threat term of
   the desired share is the sensitivity times the perceived threat times the member's regional
   multiplier (``Members.threat_response``, 1 without a region table).
2. :func:`feel_pressure`: the target path in force (a straight line from the member's initial
   share to the target plus ``target_margin_pp`` at the deadline), the hegemon's pressure and
   the fraction of peers (same region) already at the target give the weight with which a
   member closes the gap to that path.
3. :func:`weigh_free_riding`: allies' spending is partly a public good: a rise in the allies'
   combined share lowers the member's desired share (a spatial lag on burdens), or, in the pure
   public-good limit, each extra dollar allies spend lowers its desired spending
   (Olson-Zeckhauser).
4. :func:`choose_shares`: desired share = anchor + threat - free riding, pulled toward the target
   path by the pressure weight; the share moves toward it by partial adjustment, with noise and
   a fiscal ramp limit, never below 0 nor below a national pledge's floor.
5. :func:`build_capacity`: spending is split into munitions and air defence; munitions capacity
   is ordered up to what spending funds and comes online through a pipeline (first output after
   ``munitions_lead_first_quarters``, nameplate after ``munitions_lead_full_quarters``); output is
   the lesser of capacity and funded output; air-defence capability approaches the level its
   spending sustains.
6. :func:`rival_respond`: the rival moves its output toward ``rival_target_ratio`` times the
   alliance's output, within its ramp limit and a ceiling on its defence share; strain above a
   threshold slows its GDP growth.
7. Metrics are recorded by the caller (``sim.core.metrics``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import rankdata

from sim.core.data import Members
from sim.core.params import NUMERIC, Params, parse_quarter

DT = 0.25
"""Years per step (one quarter)."""
EPS = 1e-9
RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR = -30.0
"""The fastest the rival's GDP can shrink, %/yr, however great the strain: a bound, not an
estimate, at about the worst year of an economy at war in recent data (Ukraine 2022: real GDP
-29.1%, State Statistics Service of Ukraine, April 2023). It keeps GDP positive; the shipped
scenarios never come near it (their worst is -1.5%/yr)."""


def row_sum(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Sum over members (axis 1) so that each run's sum is the same whatever the batch size.

    numpy sums a C-contiguous array along its last axis row by row with the same pairwise
    algorithm whatever the number of rows (``tests/test_equivalence.py`` relies on it), so the
    input is made contiguous first. Matrix products are avoided for non-integer sums because
    BLAS may add in a different order for different shapes.
    """
    return np.ascontiguousarray(x).sum(axis=1, keepdims=keepdims)


@dataclass(frozen=True)
class Static:
    """What is fixed for every run of a batch: the members, the calendar and the schedules."""

    members: Members
    times: np.ndarray  # (T+1,) time in years of each row, row 0 the initial state
    quarters: tuple[str, ...]
    region_of: np.ndarray  # (N,) index of each member's region (its peer group)
    region_members: tuple[np.ndarray, ...]  # member indices of each region
    peer_counts: np.ndarray  # (N,) number of peers (same region, not itself)
    pledge_floor: np.ndarray  # (T+1, N) core share floor from national pledges (0: none)
    shock_on: np.ndarray  # (T+1,) True from the threat shock's quarter on
    anchor_mode: str
    threat_signal: str
    gdp_rank: np.ndarray  # (N,) rank of each member's GDP (fixed: all grow at the same rate)
    cap_shares: bool = True  # cap each member's core + related share at 100% of its GDP

    @property
    def n_steps(self) -> int:
        """Number of quarters simulated after the initial state."""
        return len(self.times) - 1


@dataclass(frozen=True)
class State:
    """Every run's state at one quarter; member arrays are (R, N), rival arrays (R,)."""

    k: int  # row index of this state in Static.times
    core_share_pct: np.ndarray
    related_share_pct: np.ndarray
    gdp_usd_bn: np.ndarray
    threat: np.ndarray  # perceived threat (threat units)
    munitions_capacity: np.ndarray  # M rounds/yr
    munitions_output: np.ndarray  # M rounds/yr
    committed: np.ndarray  # capacity online plus capacity on order (M rounds/yr)
    orders_cumulative: tuple[np.ndarray, ...]  # cumulative orders (R, N) after each step
    air_defence: np.ndarray  # capability relative to the member's start level
    rival_output: np.ndarray
    rival_gdp_usd_bn: np.ndarray
    rival_defence_share_pct: np.ndarray
    cumulative_extra_spending_usd_bn: np.ndarray
    # the terms of the last decision (pp of GDP), for inspection
    threat_pp: np.ndarray
    pressure_pp: np.ndarray
    free_riding_pp: np.ndarray
    desired_core_share_pct: np.ndarray
    peers_at_target: np.ndarray
    # per-run constants fixed at initialisation
    anchor_pct: np.ndarray
    allies_spending_ref: np.ndarray
    core_share_initial: np.ndarray
    related_share_initial: np.ndarray
    gdp_initial: np.ndarray
    target_core_pct: np.ndarray
    munitions_per_usd_bn: np.ndarray  # (R, 1)
    air_defence_spend_initial: np.ndarray
    rival_output_initial: np.ndarray
    rival_gdp_initial: np.ndarray
    lead_first: np.ndarray  # (R,) quarters from order to first output
    lead_full: np.ndarray  # (R,) quarters from order to nameplate

    @property
    def alliance_output(self) -> np.ndarray:
        """Alliance munitions output (R,), M rounds/yr."""
        return row_sum(self.munitions_output)


def build_static(params: Params, members: Members) -> Static:
    """Build the calendar, peer groups and schedules shared by a batch of runs."""
    t0 = parse_quarter(params.start_quarter)
    t1 = parse_quarter(params.end_quarter)
    n_steps = round((t1 - t0) / DT)
    times = t0 + DT * np.arange(n_steps + 1)
    quarters = tuple(f"{int(round(t * 4)) // 4}Q{int(round(t * 4)) % 4 + 1}" for t in times)
    region = np.array(members.region)
    names, region_of = np.unique(region, return_inverse=True)
    region_members = tuple(np.flatnonzero(region_of == g) for g in range(len(names)))
    peer_counts = np.bincount(region_of)[region_of].astype(float) - 1.0
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
    if params.threat_shock_quarter:
        shock_on = times >= parse_quarter(params.threat_shock_quarter) - EPS
    else:
        shock_on = np.zeros(len(times), dtype=bool)
    return Static(
        members,
        times,
        quarters,
        region_of,
        region_members,
        peer_counts,
        floor,
        shock_on,
        params.anchor_mode,
        params.threat_signal,
        rankdata(members.gdp_usd_bn),
        params.cap_shares_at_gdp,
    )


def param_arrays(params: Sequence[Params]) -> dict[str, np.ndarray]:
    """Stack the numeric parameters of a batch into (R, 1) arrays."""
    return {
        name: np.array([getattr(p, name) for p in params], dtype=float)[:, None] for name in NUMERIC
    }


def draw_shocks(
    seeds: Sequence[int], n_steps: int, n_members: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw every run's standard-normal shocks from its own seed.

    Each run's seed spawns two independent streams (numpy ``SeedSequence``): one for the members,
    one for the rival, so that changing the rival's parameters leaves the members' draws alone
    and a run's draws do not depend on which batch it is in.

    Returns:
        member shocks (R, T, N) and rival shocks (R, T).
    """
    member = np.empty((len(seeds), n_steps, n_members))
    rival = np.empty((len(seeds), n_steps))
    for r, seed in enumerate(seeds):
        member_ss, rival_ss = np.random.SeedSequence(seed).spawn(2)
        member[r] = np.random.default_rng(member_ss).standard_normal((n_steps, n_members))
        rival[r] = np.random.default_rng(rival_ss).standard_normal(n_steps)
    return member, rival


def online_fraction(first: np.ndarray, full: np.ndarray, length: int) -> np.ndarray:
    """Cumulative fraction of an order online by its age in quarters (R, length).

    Zero before ``first``, then a linear ramp reaching 1 at ``full``: each quarter of age from
    ``first`` to ``full`` brings ``1 / (full - first + 1)`` of the order online. (Used to
    document and test the pipeline; :func:`build_capacity` applies it through moving sums.)
    """
    age = np.arange(length)[None, :]
    span = full - first + 1
    return np.clip((age - first + 1) / span, 0.0, 1.0)


def _orders_up_to_age(cumulative: tuple[np.ndarray, ...], ages: np.ndarray) -> np.ndarray:
    """Orders placed at least ``ages`` quarters ago, in total (R, N), per run's own age.

    ``cumulative[j]`` is the running total of orders after the j-th order (the last entry is
    this quarter's, age 0). Runs are grouped by their age, so each group is one slice.
    """
    out = np.zeros_like(cumulative[-1])
    newest = len(cumulative) - 1
    for age in np.unique(ages):
        index = newest - int(age)
        if index >= 0:
            rows = ages == age
            out[rows] = cumulative[index][rows]
    return out


def _progress(static: Static, p: dict[str, np.ndarray], k: int) -> np.ndarray:
    """Fraction of the way from the start to the target's deadline at row k (R, 1)."""
    t0 = static.times[0]
    deadline = p["target_deadline_year"] + 0.75
    span = np.maximum(deadline - t0, EPS)
    return np.clip((static.times[k] - t0) / span, 0.0, 1.0)


def _threat_signal(
    static: Static,
    p: dict[str, np.ndarray],
    rival_output: np.ndarray,
    alliance_output: np.ndarray,
    k: int,
) -> np.ndarray:
    """Each member's threat signal at row k (R, N); row 0 leaves out the start shock.

    The start shock (``start_threat_shock_size``) is in force from the first step but not in the
    initial state, so the anchors (set so that the initial shares are rest points) do not absorb
    it: the members respond to it.
    """
    if static.threat_signal == "rival_output":
        base = rival_output[:, None]
    else:
        ratio = rival_output / np.maximum(alliance_output, EPS)
        relative = np.maximum(ratio[:, None], EPS) / p["threat_reference_ratio"]
        base = np.maximum(0.0, np.log(relative))
    shock = p["threat_shock_size"] * static.shock_on[k]
    if k > 0:
        shock = shock + p["start_threat_shock_size"]
    return static.members.exposure[None, :] * (base + shock)


def _desired_before_pressure(
    s: State, threat_pp: np.ndarray, free_riding_pp: np.ndarray
) -> np.ndarray:
    return s.anchor_pct + threat_pp - free_riding_pp


def initial_state(static: Static, p: dict[str, np.ndarray]) -> State:
    """Initialise every run of a batch from the members' data and the parameters."""
    m = static.members
    runs = p["hegemon_pressure"].shape[0]
    ones = np.ones((runs, m.n))
    core = ones * m.core_share_pct[None, :]
    related = ones * p["related_initial_pct_gdp"]
    gdp = ones * m.gdp_usd_bn[None, :]
    rival_output = p["rival_munitions_output_initial_m_per_year"][:, 0].copy()
    alliance_output = rival_output / p["munitions_ratio_initial"][:, 0]
    munitions_spend = p["munitions_fraction_of_core"] * core / 100 * gdp
    per_usd = alliance_output[:, None] / np.maximum(row_sum(munitions_spend, True), EPS)
    output = munitions_spend * per_usd
    threat = _threat_signal(static, p, rival_output, alliance_output, 0)
    threat_pp = p["threat_sensitivity_pp"] * threat * m.armed[None, :] * m.threat_response[None, :]
    q = core / 100 * gdp
    allies = row_sum(q, True) - q
    if static.anchor_mode == "public_good":
        anchor = ones * 100 * (1 - p["free_riding_strength"])
        allies_ref = np.zeros_like(allies)
    elif static.anchor_mode == "fixed":
        anchor = ones * p["anchor_fixed_pct_gdp"]
        allies_ref = allies
    else:
        anchor = core - threat_pp
        allies_ref = allies
    target = (
        np.where(
            np.isnan(m.target_override_pct)[None, :],
            p["target_core_pct_gdp"],
            m.target_override_pct[None, :],
        )
        * ones
    )
    rival_share = p["rival_defence_share_initial_pct"][:, 0].copy()
    zeros = np.zeros((runs, m.n))
    return State(
        k=0,
        core_share_pct=core,
        related_share_pct=related,
        gdp_usd_bn=gdp,
        threat=threat,
        munitions_capacity=output.copy(),
        munitions_output=output,
        committed=output.copy(),
        orders_cumulative=(),
        air_defence=ones.copy(),
        rival_output=rival_output,
        rival_gdp_usd_bn=p["rival_gdp_initial_usd_bn"][:, 0].copy(),
        rival_defence_share_pct=rival_share,
        cumulative_extra_spending_usd_bn=np.zeros(runs),
        threat_pp=threat_pp,
        pressure_pp=zeros,
        free_riding_pp=zeros.copy(),
        desired_core_share_pct=core.copy(),
        peers_at_target=zeros.copy(),
        anchor_pct=anchor,
        allies_spending_ref=allies_ref,
        core_share_initial=core.copy(),
        related_share_initial=related.copy(),
        gdp_initial=gdp.copy(),
        target_core_pct=target,
        munitions_per_usd_bn=per_usd,
        air_defence_spend_initial=p["air_defence_fraction_of_core"] * q,
        rival_output_initial=rival_output.copy(),
        rival_gdp_initial=p["rival_gdp_initial_usd_bn"][:, 0].copy(),
        lead_first=p["munitions_lead_first_quarters"][:, 0].astype(int),
        lead_full=p["munitions_lead_full_quarters"][:, 0].astype(int),
    )


def perceive_threat(static: Static, p: dict[str, np.ndarray], s: State) -> np.ndarray:
    """Process 1: smoothed threat perception after this quarter's signal (R, N)."""
    signal = _threat_signal(static, p, s.rival_output, s.alliance_output, s.k + 1)
    return p["threat_memory"] * s.threat + (1 - p["threat_memory"]) * signal


def feel_pressure(
    static: Static, p: dict[str, np.ndarray], s: State
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Process 2: the target path, the pressure weight and the fraction of peers at target.

    The weight is ``hegemon_pressure + peer_conformity * (fraction of peers at the target)``
    times the member's regional pressure multiplier (``Members.pressure_response``, 1 without
    a region table), clipped to [0, 1]; the path ends at the target plus ``target_margin_pp``.

    Returns:
        (path (R, N) in % GDP, weight (R, N) in [0, 1], peers at target (R, N) in [0, 1]).
    """
    progress = _progress(static, p, s.k + 1)
    start = s.core_share_initial
    path = start + (s.target_core_pct + p["target_margin_pp"] - start) * progress
    at_target = (s.core_share_pct >= s.target_core_pct - EPS).astype(float)
    # counts of members at target per region (sums of 0/1: exact in any order), minus oneself
    counts = np.stack([at_target[:, idx].sum(axis=1) for idx in static.region_members], axis=1)
    peers = (counts[:, static.region_of] - at_target) / np.maximum(static.peer_counts, 1.0)
    weight = np.clip(
        (p["hegemon_pressure"] + p["peer_conformity"] * peers)
        * static.members.pressure_response[None, :],
        0.0,
        1.0,
    )
    return path, weight * static.members.armed[None, :], peers


def weigh_free_riding(static: Static, p: dict[str, np.ndarray], s: State) -> np.ndarray:
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
        return 100 * p["free_riding_strength"] * allies / s.gdp_usd_bn
    allies_gdp = row_sum(s.gdp_usd_bn, True) - s.gdp_usd_bn
    allies_gdp0 = row_sum(s.gdp_initial, True) - s.gdp_initial
    share_now = 100 * allies / np.maximum(allies_gdp, EPS)
    share_ref = 100 * s.allies_spending_ref / np.maximum(allies_gdp0, EPS)
    return p["free_riding_strength"] * (share_now - share_ref)


def choose_shares(
    static: Static,
    p: dict[str, np.ndarray],
    s: State,
    threat_pp: np.ndarray,
    free_riding_pp: np.ndarray,
    path: np.ndarray,
    weight: np.ndarray,
    noise: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Process 4: desired and new core shares, and new related shares.

    Returns:
        (desired core share, pressure term, new core share, new related share), each (R, N).
    """
    armed = static.members.armed[None, :]
    before = _desired_before_pressure(s, threat_pp, free_riding_pp)
    pressure_pp = weight * np.maximum(0.0, path - before)
    desired = before + pressure_pp
    step = p["adjustment_speed_per_year"] * DT * (desired - s.core_share_pct)
    step = step + p["noise_sd_pp"] * noise
    ramp = p["ramp_limit_pp_per_year"] * DT
    progress = _progress(static, p, s.k + 1)
    r0 = s.related_share_initial
    related_path = r0 + (p["target_related_pct_gdp"] - r0) * progress
    related_desired = r0 + weight * np.maximum(0.0, related_path - r0)
    related = np.maximum(
        0.0,
        s.related_share_pct
        + p["adjustment_speed_per_year"] * DT * (related_desired - s.related_share_pct),
    )
    core = np.maximum(0.0, s.core_share_pct + np.clip(step, -ramp, ramp))
    core = np.maximum(core, static.pledge_floor[s.k + 1][None, :])
    if static.cap_shares:  # core + related spending is at most all of GDP
        core = np.minimum(core, 100.0 - related)
    core = np.where(armed, core, 0.0)
    return desired, pressure_pp, core, related


def build_capacity(
    static: Static, p: dict[str, np.ndarray], s: State, core: np.ndarray, gdp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Process 5: munitions orders, capacity and output, and air-defence capability.

    Capacity is ordered up to the output that spending funds (``committed`` counts capacity
    online and on order); an order comes online evenly from ``lead_first`` to ``lead_full``
    quarters after it is placed (age 0 is the quarter it is placed), so this quarter's new
    capacity is the moving sum of orders aged ``lead_first``..``lead_full`` divided by the span.
    Output is the lesser of capacity and funded output.

    Returns:
        (cumulative orders (R, N), committed (R, N), capacity (R, N), output (R, N),
        air defence (R, N)).
    """
    spend = core / 100 * gdp
    funded = p["munitions_fraction_of_core"] * spend * s.munitions_per_usd_bn
    orders = np.maximum(0.0, funded - s.committed)
    previous = s.orders_cumulative[-1] if s.orders_cumulative else np.zeros_like(orders)
    history = (*s.orders_cumulative, previous + orders)
    span = (s.lead_full - s.lead_first + 1).astype(float)[:, None]
    arrived = _orders_up_to_age(history, s.lead_first) - _orders_up_to_age(history, s.lead_full + 1)
    capacity = s.munitions_capacity + arrived / span
    output = np.minimum(capacity, funded)
    progress = _progress(static, p, s.k + 1)
    fraction = (
        p["air_defence_fraction_of_core"]
        + (p["air_defence_fraction_target"] - p["air_defence_fraction_of_core"]) * progress
    )
    initial = s.air_defence_spend_initial
    sustained = np.divide(fraction * spend, initial, out=np.ones_like(spend), where=initial > 0)
    air = s.air_defence + p["air_defence_build_rate_per_year"] * DT * (sustained - s.air_defence)
    return history, s.committed + orders, capacity, output, air


def rival_ceiling(p: dict[str, np.ndarray], s: State, rival_gdp: np.ndarray) -> np.ndarray:
    """Largest rival output (R,) that keeps its defence share within the ceiling."""
    f = p["rival_munitions_fraction_of_defence"][:, 0]
    share0 = np.maximum(p["rival_defence_share_initial_pct"][:, 0], EPS)
    room = p["rival_defence_share_ceiling_pct"][:, 0] / share0 * rival_gdp / s.rival_gdp_initial
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf: no ceiling
        ceiling = s.rival_output_initial * (room - (1 - f)) / f
    return np.where(f > 0, np.maximum(ceiling, 0.0), np.inf)


def rival_respond(
    p: dict[str, np.ndarray], s: State, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Process 6: the rival's new output, GDP and defence share (each (R,)).

    The rival aims at ``rival_target_ratio`` times the alliance's output at the start of the
    quarter (plus a baseline), closes the gap at its adjustment speed, never changes output by
    more than its ramp limit, and stays under its defence-share ceiling.
    """
    col = {k: v[:, 0] for k, v in p.items()}
    target = col["rival_target_ratio"] * s.alliance_output + col["rival_output_baseline_m_per_year"]
    change = col["rival_adjustment_speed_per_year"] * DT * (target - s.rival_output)
    change = change + s.rival_output * col["rival_noise_sd_pct"] / 100 * noise
    limit = (
        col["rival_ramp_limit_pct_per_year"]
        / 100
        * DT
        * np.maximum(s.rival_output, s.rival_output_initial)
    )
    output = np.maximum(0.0, s.rival_output + np.clip(change, -limit, limit))
    strain = col["rival_strain_growth_cost"] * np.maximum(
        0.0, s.rival_defence_share_pct - col["rival_strain_threshold_pct"]
    )
    growth = np.maximum(
        col["rival_gdp_growth_pct_per_year"] - strain, RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR
    )
    gdp = s.rival_gdp_usd_bn * (1 + growth * DT / 100)
    output = np.minimum(output, rival_ceiling(p, s, gdp))
    f = col["rival_munitions_fraction_of_defence"]
    relative = np.divide(
        output, s.rival_output_initial, out=np.ones_like(output), where=s.rival_output_initial > 0
    )
    base = col["rival_defence_share_initial_pct"] * s.rival_gdp_initial / gdp
    share = base * ((1 - f) + f * relative)
    # when the rest of the defence budget alone no longer fits under the ceiling (GDP shrank),
    # it is cut to the ceiling (munitions output is then 0 by rival_ceiling unless f is 0)
    ceiling = col["rival_defence_share_ceiling_pct"]
    share = np.where(base * (1 - f) > ceiling, ceiling, share)
    return output, gdp, share


def step(
    static: Static,
    p: dict[str, np.ndarray],
    s: State,
    member_noise: np.ndarray,
    rival_noise: np.ndarray,
) -> State:
    """Advance every run by one quarter (processes 1-6 in the order of the module docstring).

    Args:
        static: the batch's members and calendar.
        p: the batch's parameters from :func:`param_arrays`.
        s: the state at row ``s.k``.
        member_noise: standard-normal shocks (R, N) for this quarter.
        rival_noise: standard-normal shocks (R,) for this quarter.

    Returns:
        The state at row ``s.k + 1``.
    """
    armed = static.members.armed[None, :]
    threat = perceive_threat(static, p, s)
    threat_pp = (
        p["threat_sensitivity_pp"] * threat * armed * static.members.threat_response[None, :]
    )
    path, weight, peers = feel_pressure(static, p, s)
    free_riding_pp = weigh_free_riding(static, p, s) * armed
    desired, pressure_pp, core, related = choose_shares(
        static, p, s, threat_pp, free_riding_pp, path, weight, member_noise
    )
    gdp = s.gdp_usd_bn * (1 + p["gdp_growth_pct_per_year"] * DT / 100)
    history, committed, capacity, output, air = build_capacity(static, p, s, core, gdp)
    rival_output, rival_gdp, rival_share = rival_respond(p, s, rival_noise)
    extra = (
        row_sum((core + related - s.core_share_initial - s.related_share_initial) / 100 * gdp) * DT
    )
    return replace(
        s,
        k=s.k + 1,
        core_share_pct=core,
        related_share_pct=related,
        gdp_usd_bn=gdp,
        threat=threat,
        munitions_capacity=capacity,
        munitions_output=output,
        committed=committed,
        orders_cumulative=history,
        air_defence=air,
        rival_output=rival_output,
        rival_gdp_usd_bn=rival_gdp,
        rival_defence_share_pct=rival_share,
        cumulative_extra_spending_usd_bn=s.cumulative_extra_spending_usd_bn + extra,
        threat_pp=threat_pp,
        pressure_pp=pressure_pp,
        free_riding_pp=free_riding_pp,
        desired_core_share_pct=desired,
        peers_at_target=peers,
    )


def trajectory(
    static: Static, p: dict[str, np.ndarray], member_noise: np.ndarray, rival_noise: np.ndarray
) -> Iterator[State]:
    """Yield every run's state at each row, the initial state first (``n_steps + 1`` states).

    The one loop over quarters: the ensemble, the calibration and (one step at a time) the Mesa
    model all advance runs through :func:`step` with each run's own shocks.
    """
    state = initial_state(static, p)
    yield state
    for k in range(static.n_steps):
        state = step(static, p, state, member_noise[:, k], rival_noise[:, k])
        yield state
