"""Air and missile defence: a capability funded from core spending, with a goal and an effect.

This module owns the air-defence part of process 5 and its one effect on the members:

- **Funded from core.** Each member's core spending is munitions (``munitions_fraction_of_core``)
  + air and missile defence + the rest. Air defence gets ``air_defence_fraction_of_core`` of core
  (its 2025 level, an assumption), or, when the member keeps a commitment with annual plans (the
  Hague commitment, S38; ``sim.core.dynamics.commitment``), what its plan toward the capability
  goal needs, taken from the rest of core (never more than core less munitions).
- **Capability** approaches the level its spending sustains at ``air_defence_build_rate_per_year``
  (relative to the start: 1 at the first quarter, 5 = the +400% goal, S31).
- **The goal** (``air_defence_goal_multiple``, by ``target_deadline_year``): a member keeping its
  plan spends each quarter the constant amount that, held to the deadline's quarter, brings its
  capability exactly to the goal from where it is (the discrete form of the approach), and the
  goal's level after it. So the goal is met when the plans are kept from the start, missed when
  they slip (a member that breaks off falls back to its share of core), and never met by members
  that only follow their desired share (without annual plans nothing funds it).
- **Its effect**: a member's perceived threat signal is divided by
  ``1 + air_defence_threat_relief x (capability - 1)``: defended allies feel less threatened
  (an assumption, no published magnitude; ``sim.core.dynamics.threat``).
"""

from __future__ import annotations

from sim.core.dynamics import param_index as P
from sim.core.dynamics.commitment import KEPT_ALL
from sim.core.dynamics.jit import fmax, fmin, inlined
from sim.core.dynamics.state import DT, EPS


@inlined
def plan_decay(st, p, r: int, k: int) -> float:
    """Run r's decay factor of a kept plan at row k + 1, or -1 when no plan funds the goal.

    A kept plan funds the constant level x that, from capability K now, reaches the goal G at
    the deadline's quarter T: with m quarterly updates left (this one included: 1 at T) and
    a = 1 - rate x DT, K(T) = x + (K - x) a^m = G, so x = (G - K d) / (1 - d) with d = a^m
    (:func:`plan_level`); after T, or without a build rate (a = 1), d = 0 and x = G. -1 without
    annual plans or a goal above the start: nothing funds it. Computed once per run and quarter,
    outside the members' loop, which then stays a plain one when no plan funds the goal.
    """
    if not st.annual_plans or p[r, P.air_defence_goal_multiple] <= 1.0:
        return -1.0
    t = st.times[k + 1]
    deadline = p[r, P.target_deadline_year] + 0.75
    a = 1.0 - p[r, P.air_defence_build_rate_per_year] * DT
    if t > deadline + EPS or a >= 1.0:
        return 0.0
    return a ** (round((deadline - t) / DT) + 1.0)


@inlined
def plan_level(p, r: int, decay: float, capability: float) -> float:
    """The spending level (relative to the start's) a kept plan funds: (G - K d) / (1 - d)."""
    goal = p[r, P.air_defence_goal_multiple]
    return (goal - capability * decay) / fmax(1.0 - decay, EPS)


@inlined
def build_air_defence(st, p, c, s, new, r: int, i: int, core_spend: float, decay: float) -> None:
    """Member i's air-defence spending at row k + 1 and its capability (``new.air_defence``).

    ``core_spend`` is its core spending at row k + 1 (USD bn); ``decay`` is the run's
    :func:`plan_decay` for this quarter (-1: no plan funds the goal).
    """
    initial = c.air_defence_spend_initial[r, i]
    air = s.air_defence[r, i]
    spend = p[r, P.air_defence_fraction_of_core] * core_spend
    if decay >= 0.0 and new.commitment_kept[r, i] == KEPT_ALL and initial > 0.0:
        spend = fmax(spend, initial * plan_level(p, r, decay, air))
    spend = fmin(spend, (1.0 - p[r, P.munitions_fraction_of_core]) * core_spend)
    # no armed forces (no spending at the start): no air defence to measure, capability held
    sustained = spend / initial if initial > 0.0 else air
    new.air_defence_share_pct[r, i] = 100.0 * spend / new.gdp_usd_bn[r, i]
    new.air_defence[r, i] = air + p[r, P.air_defence_build_rate_per_year] * DT * (sustained - air)


@inlined
def threat_relief(p, r: int, capability: float) -> float:
    """The divisor of a member's threat signal for its air-defence capability (1 at the start)."""
    return 1.0 + p[r, P.air_defence_threat_relief] * fmax(0.0, capability - 1.0)
