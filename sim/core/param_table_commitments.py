"""The parameter table, commitments part: commitments that bind and the fiscal space behind them.

The first part, and the meaning of each row, is ``sim.core.param_table``; the next,
``sim.core.param_table_supply``; use :class:`sim.core.params.Params`, which validates. The
mechanism these rows drive is ``sim.core.dynamics.commitment``, its fiscal space
``sim.core.fiscal``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.param_table import MemberParamFields, declare


@dataclass(frozen=True)
class CommitmentParamFields(MemberParamFields):
    """The member fields, then the commitments' (``ParamFields`` adds the supply side)."""

    # --- Where the run starts -------------------------------------------------------------
    history_config: str = declare(
        "",
        "path or empty",
        doc="a backcast config (its end_quarter the quarter before start_quarter) run before the "
        "scenario's first quarter, with this scenario's behavioural parameters and no random "
        "shocks; "
        "the scenario then starts from the record's shares with the backcast's end state (its "
        "members' anchors from the record's first year, what its decision terms other than the "
        "pull had added by its end, and the perceived threat), so the threat and the pressure "
        "keep acting after the record ends (sim.core.dynamics.history); empty: the initial "
        "shares are rest points",
        source="docs/ODD.md, Initialisation (issue 15, item 4); 'configs/backcast_2014.toml' "
        "in the forward scenarios",
    )

    # --- Commitments and fiscal space ----------------------------------------------------
    commitment_capacity_pp: float = declare(
        0.0,
        "pp",
        0.0,
        10.0,
        doc="the largest rise to its commitment line a member with full fiscal space makes in "
        "one year's budget to keep the commitment; at each year start from the deadline year (or "
        "every year, with commitment_annual_plans) a member keeps it for the year when the rise "
        "it needs is at most this times its fiscal space, and its share then never falls below "
        "the line; 0: commitments never bind (sim.core.dynamics.commitment)",
        source="assumption, range 0-10 (1.0 in configs/backcast_2014.toml and hague.toml, chosen "
        "by the hindcast: docs/VALIDATION.md); docs/ODD.md, Commitments",
    )
    guideline_floor_pct: float = declare(
        0.0,
        "% GDP",
        0.0,
        10.0,
        doc="an earlier guideline, a commitment already due: while commitments bind "
        "(commitment_capacity_pp > 0) the line in force is never below it + target_margin_pp, "
        "so once met it is a floor and a member below it rises to it when it can afford to (2: "
        "'an enduring commitment to invest at least 2% of GDP annually', Vilnius 2023); 0: none",
        source="S43 (Vilnius Summit Communique, 2023); 2.0 in the forward scenarios, 0 in "
        "the backcast (before 2023 allies at 2% did fall below it: 9 in 2020, 6 in 2021)",
    )
    commitment_annual_plans: bool = declare(
        False,
        "bool",
        doc="commitments bind every year along their path (the straight line from the start "
        "share to the target + margin at the deadline), as the Hague commitment's annual "
        "national plans ask; false: only from the deadline year on, as the Wales pledge, which "
        "set no interim path",
        source="S38 (The Hague: annual plans showing a credible, incremental path); "
        "docs/THEORY.md §3.1 (Wales 2014: 'within a decade', no path)",
    )
    commitment_review_year: int = declare(
        2100,
        "year",
        2014,
        2100,
        doc="the year the commitment is reviewed: at its start each member's plan is re-based, "
        "its path (the annual plans' line and the pressure term's) running from its share then "
        "to the target + margin at the deadline, so a member that slipped gets a new, steeper "
        "path and one ahead a gentler one; 2100: no review",
        source="S38 (The Hague: 'we will review the trajectory and balance of spending ... in "
        "2029'); 2029 in the forward scenarios; what the review decides is an assumption",
    )
    fiscal_stress_weight: float = declare(
        1.0,
        "weight",
        0.0,
        2.0,
        doc="how much fiscal stress (debt above 60% and a deficit above 3% of GDP, each in units "
        "of its reference value) limits what a member raises to keep a commitment: its fiscal "
        "space is exp(-weight x stress); 0: no fiscal limit (sim.core.fiscal)",
        source="assumption, range 0-2 (the Maastricht reference values, TFEU Protocol 12, set "
        "the units; the exponential and the weight are not estimated)",
    )
    fiscal_brake: float = declare(
        0.0,
        "exponent",
        0.0,
        1.0,
        doc="how much fiscal space slows a member's budgeted rises too, not only its "
        "commitments: each quarter its step up toward the desired share is the partial "
        "adjustment's times its fiscal space to this power (1: in proportion to its space; 0: "
        "fiscal space limits only the commitments; a fall is never slowed) "
        "(sim.core.dynamics.choice)",
        source="assumption, range 0-1; 0 (off) in every shipped scenario: at 1 the hindcast "
        "forecasts worse (pooled CRPS 0.183 against 0.179, mean of three seeds; "
        "docs/VALIDATION.md)",
    )
    defence_deficit_financed: float = declare(
        1.0,
        "fraction",
        0.0,
        1.0,
        doc="the part of a member's rise in core spending after the last year of fiscal data "
        "that widens its deficit (and so lowers its fiscal space); a fall narrows it "
        "(sim.core.fiscal)",
        source="assumption, range 0-1 (1: borrowed, as the EU's escape clause for defence "
        "assumes, S54; 0: paid for by taxes or cuts elsewhere)",
    )
    debt_shock_pct_gdp: float = declare(
        0.0,
        "% GDP",
        0.0,
        100.0,
        doc="a rise in every member's government debt from fiscal_shock_year on, which lowers its "
        "fiscal space (sim.core.fiscal); 0: none",
        source="scenario lever (configs/debt_shock.toml); no shock by default",
    )
    deficit_shock_pct_gdp: float = declare(
        0.0,
        "% GDP",
        0.0,
        20.0,
        doc="a fall in every member's overall balance (a wider deficit) from fiscal_shock_year "
        "on, which lowers its fiscal space (sim.core.fiscal); 0: none",
        source="scenario lever (configs/debt_shock.toml); no shock by default",
    )
    fiscal_shock_year: int = declare(
        2027,
        "year",
        2014,
        2100,
        doc="the year from which debt_shock_pct_gdp and deficit_shock_pct_gdp apply",
        source="scenario lever, assumption",
    )
    fiscal_data_until_year: int = declare(
        2024,
        "year",
        2014,
        2024,
        doc="the last year of the IMF debt and deficit series the model reads; later years "
        "hold that year's fiscal space (a hindcast sets its origin)",
        source="seeds/panel/ (IMF WEO April 2025); sim.core.fiscal",
    )
