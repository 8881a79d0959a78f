"""One quarter for every run at once (:func:`step`), the initial state and the loop over quarters.

The order of operations inside a step is that of ``sim.core.dynamics``'s docstring: threat
perception, pressure, the decision terms and the choice of shares, capacity, the rival's
response; metrics are recorded by the caller (``sim.core.metrics``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from sim.core.dynamics.arrays import ParamArrays, runs_of
from sim.core.dynamics.capacity import build_capacity
from sim.core.dynamics.choice import choose_shares, decide
from sim.core.dynamics.pressure import feel_pressure
from sim.core.dynamics.rival import rival_respond
from sim.core.dynamics.state import DT, EPS, Constants, State, Static, row_sum
from sim.core.dynamics.terms import TermInputs, anchored_sum, member_terms
from sim.core.dynamics.threat import perceive_threat, threat_signal


def _anchor(
    static: Static, p: ParamArrays, core: np.ndarray, allies: np.ndarray, terms: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's anchor and the allies' spending its free riding is measured from."""
    ones = np.ones_like(core)
    if static.anchor_mode == "public_good":
        return ones * 100 * (1 - p.free_riding_strength), np.zeros_like(allies)
    if static.anchor_mode == "fixed":
        return ones * p.anchor_fixed_pct_gdp, allies
    return anchored_sum(core, terms), allies


def _initial_terms(static: Static, p: ParamArrays, threat: np.ndarray) -> dict[str, np.ndarray]:
    """Each term's value in the initial state: the anchored terms evaluated, the others 0."""
    inputs = TermInputs(static, p, None, None, threat)
    return {
        t.name: t.function(inputs) if t.anchored else np.zeros_like(threat) for t in member_terms()
    }


def initial_state(static: Static, p: ParamArrays) -> tuple[Constants, State]:
    """Initialise every run of a batch from the members' data and the parameters.

    Returns:
        (each run's constants, the state at row 0).
    """
    m = static.members
    ones = np.ones((runs_of(p), m.n))
    core = ones * m.core_share_pct[None, :]
    related = ones * p.related_initial_pct_gdp
    gdp = ones * m.gdp_usd_bn[None, :]
    rival_output = p.rival_munitions_output_initial_m_per_year[:, 0].copy()
    alliance_output = rival_output / p.munitions_ratio_initial[:, 0]
    munitions_spend = p.munitions_fraction_of_core * core / 100 * gdp
    per_usd = alliance_output[:, None] / np.maximum(row_sum(munitions_spend, True), EPS)
    output = munitions_spend * per_usd
    threat = threat_signal(static, p, rival_output, alliance_output, 0)
    terms = _initial_terms(static, p, threat)
    q = core / 100 * gdp
    anchor, allies_ref = _anchor(static, p, core, row_sum(q, True) - q, terms)
    override = m.target_override_pct[None, :]
    target = np.where(np.isnan(override), p.target_core_pct_gdp, override) * ones
    constants = Constants(
        anchor_pct=anchor,
        allies_spending_ref=allies_ref,
        core_share_initial=core.copy(),
        related_share_initial=related.copy(),
        gdp_initial=gdp.copy(),
        target_core_pct=target,
        munitions_per_usd_bn=per_usd,
        air_defence_spend_initial=p.air_defence_fraction_of_core * q,
        rival_output_initial=rival_output.copy(),
        rival_gdp_initial=p.rival_gdp_initial_usd_bn[:, 0].copy(),
        lead_first=p.munitions_lead_first_quarters[:, 0].astype(int),
        lead_full=p.munitions_lead_full_quarters[:, 0].astype(int),
    )
    state = State(
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
        rival_gdp_usd_bn=p.rival_gdp_initial_usd_bn[:, 0].copy(),
        rival_defence_share_pct=p.rival_defence_share_initial_pct[:, 0].copy(),
        cumulative_extra_spending_usd_bn=np.zeros(len(rival_output)),
        terms=terms,
        desired_core_share_pct=core.copy(),
        peers_at_target=np.zeros_like(core),
    )
    return constants, state


def step(
    static: Static,
    p: ParamArrays,
    c: Constants,
    s: State,
    member_noise: np.ndarray,
    rival_noise: np.ndarray,
) -> State:
    """Advance every run by one quarter (processes 1-6 of ``sim.core.dynamics``).

    Args:
        static: the batch's members and calendar.
        p: the batch's parameters from ``param_arrays``.
        c: the runs' constants from :func:`initial_state`.
        s: the state at row ``s.k``.
        member_noise: standard-normal shocks (R, N) for this quarter.
        rival_noise: standard-normal shocks (R,) for this quarter.

    Returns:
        The state at row ``s.k + 1``.
    """
    threat = perceive_threat(static, p, s)
    path, weight, peers = feel_pressure(static, p, c, s)
    inputs = TermInputs(static, p, c, s, threat, path, weight, peers)
    terms, desired = decide(inputs, c.anchor_pct)
    core, related = choose_shares(static, p, c, s, desired, weight, member_noise)
    gdp = s.gdp_usd_bn * (1 + p.gdp_growth_pct_per_year * DT / 100)
    history, committed, capacity, output, air = build_capacity(static, p, c, s, core, gdp)
    rival_output, rival_gdp, rival_share = rival_respond(p, c, s, rival_noise)
    extra = (
        row_sum((core + related - c.core_share_initial - c.related_share_initial) / 100 * gdp) * DT
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
        terms=terms,
        desired_core_share_pct=desired,
        peers_at_target=peers,
    )


def trajectory(
    static: Static, p: ParamArrays, member_noise: np.ndarray, rival_noise: np.ndarray
) -> Iterator[tuple[Constants, State]]:
    """Yield every run's constants and state at each row, the initial state first.

    The one loop over quarters (``n_steps + 1`` states): the ensemble, the calibration and (one
    step at a time) the Mesa model all advance runs through :func:`step` with each run's own
    shocks. The constants are the same object at every row.
    """
    constants, state = initial_state(static, p)
    yield constants, state
    for k in range(static.n_steps):
        state = step(static, p, constants, state, member_noise[:, k], rival_noise[:, k])
        yield constants, state
