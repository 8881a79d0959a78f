"""Fiscal space in the equations: a member's room to raise its budget, quarter by quarter.

This module owns where the equations read a member's fiscal space (the rule itself, from debt
and deficit, is ``sim.core.fiscal``) and the two places it limits a rise:

- a commitment: the rise a member makes in one budget to keep it is at most
  ``commitment_capacity_pp`` times its fiscal space (``sim.core.dynamics.commitment``);
- the *fiscal brake*: each quarter a member's step up toward its desired share (the partial
  adjustment, ``sim.core.dynamics.choice``) is multiplied by its fiscal space to the power
  ``fiscal_brake``. It is off (0) in every shipped scenario: refitted at every origin, the
  hindcast forecasts worse with it at 1 (docs/VALIDATION.md, *The fiscal brake: tried, not
  adopted*); it stays as an option for scenarios. At 1 a member within the Maastricht reference
  values raises its budget at the pace of the partial adjustment and Italy in 2023 (debt 135%,
  deficit 7%: space 0.07 at ``fiscal_stress_weight`` 1) at 7% of it. A fall is never slowed:
  cutting a budget needs no fiscal room.

After the last year of fiscal data a member's balance carries its rise since then
(:func:`carry_reference`, ``sim.core.fiscal.assessed_balance``), so a member that borrows to
rise loses room as it goes.
"""

from __future__ import annotations

from sim.core import fiscal
from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import inlined
from sim.core.dynamics.state import EPS


@inlined
def fiscal_space(st, p, ref, r: int, k: int, i: int, share: float) -> float:
    """Member i's fiscal space at row k in run r with core share ``share`` (``sim.core.fiscal``).

    In a projected year (after the fiscal data) its balance carries the rise of its share since
    the end of the data, ``ref`` (R, N) (``State.fiscal_reference_pct``), less what the escape
    clause exempts (:func:`sim.core.fiscal.assessed_balance`). The debt and deficit shocks
    (``debt_shock_pct_gdp``, ``deficit_shock_pct_gdp``) apply from ``fiscal_shock_year`` on.
    """
    balance = st.fiscal_balance_pct[k, i]
    if st.fiscal_projected[k] > 0.0:
        balance = fiscal.assessed_balance(
            balance,
            share - ref[r, i],
            st.fiscal_allowance_pp[k, i],
            p[r, P.defence_deficit_financed],
        )
    shocked = st.times[k] >= p[r, P.fiscal_shock_year] - EPS
    return fiscal.space_of(
        st.fiscal_debt_pct[k, i],
        balance,
        p[r, P.fiscal_stress_weight],
        p[r, P.debt_shock_pct_gdp] if shocked else 0.0,
        p[r, P.deficit_shock_pct_gdp] if shocked else 0.0,
    )


@inlined
def carry_reference(st, s, new, r: int, k: int, i: int) -> None:
    """Member i's share at the end of the fiscal data into ``new.fiscal_reference_pct``.

    Its share at the start of the first quarter after the data (row k + 1 the first projected
    row), else the reference it had; the projected balance counts its rise since then.
    """
    ref = s.fiscal_reference_pct[r, i]
    if st.fiscal_projected[k + 1] > st.fiscal_projected[k]:  # the first year after the data
        ref = s.core_share_pct[r, i]
    new.fiscal_reference_pct[r, i] = ref


@inlined
def fiscal_brake(st, p, ref, r: int, k: int, i: int, share: float) -> float:
    """The factor in (0, 1] on member i's rise toward its desired share at row k.

    Its fiscal space (:func:`fiscal_space` at row k, with ``share`` its core share and ``ref``
    its reference, ``State.fiscal_reference_pct``) to the power ``fiscal_brake``: 1 when the
    brake is off (``fiscal_brake`` = 0, the default). The equations and the member agent's
    account (``sim.abm.agents``) both call it.
    """
    power = p[r, P.fiscal_brake]
    if power <= 0.0:
        return 1.0
    return fiscal_space(st, p, ref, r, k, i, share) ** power
