"""The parameter table, third part: spending split, production, unit costs and air defence.

The first part, and the meaning of each row, is ``sim.core.param_table`` (then
``sim.core.param_table_commitments``); the last, the rival and the war,
``sim.core.param_table_rival``; use :class:`sim.core.params.Params`, which validates.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.param_table import declare
from sim.core.param_table_commitments import CommitmentParamFields


@dataclass(frozen=True)
class SupplyParamFields(CommitmentParamFields):
    """The parameter table up to its supply rows (the rival's follow, ``param_table_rival``)."""

    # --- Spending split, production and air defence --------------------------------------
    munitions_fraction_of_core: float = declare(
        0.0012,
        "fraction",
        0.0,
        1.0,
        doc="share of core spending on artillery ammunition in peacetime (with "
        "alliance_round_cost_usd_k it sets the alliance's output)",
        source="derived: pre-war output ~0.47M rounds/yr (US 14,000 a month, Feb 2022, S47; "
        "EU ~300,000/yr, S48) x $4k (S45) over the allies' core spending in 2021 in the "
        "model's dollars of 2024 (~$1,600 bn, the backcast): 0.0012; range 0.0008-0.002",
    )
    alliance_round_cost_usd_k: float = declare(
        4.0,
        "USD k per round",
        0.01,
        100.0,
        doc="cost of one round (155 mm) to the allies: their munitions spending over it is "
        "the output it funds (M rounds/yr = USD bn / USD k)",
        source="Bain & Company for Sky News, May 2024: ~$4,000 average (S45); range 2-8: "
        "~EUR 2,000 before 2022 to EUR 8,000 in 2023 (Adm. Bauer, NATO, Oct 2023, S45)",
    )
    alliance_war_supply_m_per_year: float = declare(
        0.0,
        "M rounds/yr",
        0.0,
        20.0,
        doc="rounds the allies send to the front a year while the war lasts; they draw them "
        "from their stocks and fund their replacement on top of the peacetime share, split "
        "by core spending (0: no war supply)",
        source="assumption, range 0.7-2.8: Ukraine fired 2,000-7,700 rounds a day in 2023-24 "
        "(Washington Post, Apr 2023; Umerov, Feb 2024: S46), most of them from the allies; "
        "1.2 in the forward scenarios and the backcast (docs/VALIDATION.md, the rival)",
    )
    alliance_stock_initial_m: float = declare(
        2.0,
        "M rounds",
        0.0,
        1000.0,
        doc="the allies' stock of rounds at the start",
        source="assumption, range 0.5-5: the US likes to keep an inventory of ~2M 155 mm "
        "rounds (M. Cancian, CSIS, Oct 2023, S46), drawn down for Ukraine since 2022; "
        "European stocks are not published; 3 in the backcast (2014)",
    )
    munitions_lead_first_quarters: int = declare(
        5,
        "quarters",
        0,
        40,
        control=True,
        doc="quarters from order to first output",
        source="Rheinmetall Unterlüß: first output 14-18 "
        "months after ground-breaking (docs/THEORY.md §4.3)",
    )
    munitions_lead_full_quarters: int = declare(
        13,
        "quarters",
        0,
        60,
        doc="quarters from order to nameplate capacity",
        source="Rheinmetall Unterlüß: nameplate 36-40 months (docs/THEORY.md §4.3)",
    )
    air_defence_fraction_of_core: float = declare(
        0.03,
        "fraction",
        0.001,
        1.0,
        doc="share of core spending on air and missile defence at the start",
        source="assumption; at least 0.1%: capability is "
        "measured relative to the start, which must not be "
        "(nearly) nothing",
    )
    air_defence_goal_multiple: float = declare(
        5.0,
        "x start",
        1.0,
        20.0,
        doc="air and missile defence capability goal by target_deadline_year, relative to the "
        "start (5: +400%); a member keeping a commitment with annual plans funds the constant "
        "spending that reaches it on time from core; 1: no goal (sim.core.dynamics.air_defence)",
        source="S31 (Rutte, 9 June 2025: 'a 400 percent increase in air and missile defence')",
    )
    air_defence_build_rate_per_year: float = declare(
        0.25,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which capability approaches the level its spending sustains",
        source="assumption: ~4-year procurement cycle",
    )
    air_defence_threat_relief: float = declare(
        0.0,
        "per x start",
        0.0,
        1.0,
        doc="how much air-defence capability relieves perceived threat: a member's threat "
        "signal is divided by 1 + this x (capability - 1) (0.05: at 5x its start level it "
        "feels 1/1.2 of the threat); 0: no effect",
        source="assumption, range 0-0.5: no published estimate of how defences change "
        "perceived threat; 0.05 in the forward scenarios (hague.toml), 0 in the backcast "
        "(capability hardly changed 2014-2024)",
    )
