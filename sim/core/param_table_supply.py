"""The parameter table, second part: spending split, production, air defence and the rival.

The first part, and the meaning of each row, is ``sim.core.param_table`` (then
``sim.core.param_table_commitments``); use
:class:`sim.core.params.Params`, which validates.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.param_table import declare
from sim.core.param_table_commitments import CommitmentParamFields


@dataclass(frozen=True)
class ParamFields(CommitmentParamFields):
    """Every field of the parameter table, in the table's order (``Params`` adds validation)."""

    # --- Spending split, production and air defence --------------------------------------
    munitions_fraction_of_core: float = declare(
        0.05,
        "fraction",
        0.0,
        1.0,
        doc="share of core spending on munitions",
        source="assumption (NATO's 20% equipment guideline, Wales 2014, bounds it)",
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

    # --- The rival -----------------------------------------------------------------------
    munitions_ratio_initial: float = declare(
        4.0,
        "ratio",
        1e-3,
        100.0,
        doc="rival over alliance munitions output at the start",
        source="seed: 4:1 in annual rates (S29, S31, S33)",
    )
    rival_munitions_output_initial_m_per_year: float = declare(
        3.0,
        "M rounds/yr",
        1e-3,
        100.0,
        doc="rival munitions output at the start",
        source="NATO intelligence via CNN, Mar 2024: ~3M/yr (S28)",
    )
    rival_target_ratio: float = declare(
        4.0,
        "ratio",
        1e-3,
        100.0,
        control=True,
        step=0.5,
        doc="ratio of its output to the alliance's the rival aims for",
        source="seed: ~4:1 (S29, S33); 12:1 an outlier (S32)",
    )
    rival_output_baseline_m_per_year: float = declare(
        0.0,
        "M rounds/yr",
        -100.0,
        100.0,
        doc="output the rival aims for regardless of the alliance (Richardson's grievance)",
        source="Richardson 1960 (docs/THEORY.md §1)",
    )
    rival_adjustment_speed_per_year: float = declare(
        1.0,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which the rival closes the gap to its target output (0: it stops escalating)",
        source="assumption",
    )
    rival_ramp_limit_pct_per_year: float = declare(
        100.0,
        "%/yr",
        0.0,
        1000.0,
        doc="largest change of rival output in a year",
        source="0.4M (2022) to 2-3M/yr (2024): about +125%/yr (S29, S34, S28)",
    )
    rival_noise_sd_pct: float = declare(
        0.0,
        "% per quarter",
        0.0,
        50.0,
        doc="standard deviation of the quarterly shock to rival output",
        source="assumption",
    )
    rival_defence_share_initial_pct: float = declare(
        7.1,
        "% GDP",
        0.0,
        50.0,
        doc="rival defence spending at the start",
        source="SIPRI 2024: 7.1% (S23); 7.2% planned 2025 (S26)",
    )
    rival_defence_share_ceiling_pct: float = declare(
        10.0,
        "% GDP",
        0.0,
        100.0,
        doc="war-economy ceiling on the rival's defence share",
        source="assumption; at least "
        "rival_defence_share_initial_pct (a ceiling "
        "under the starting share is no ceiling)",
    )
    rival_munitions_fraction_of_defence: float = declare(
        0.3,
        "fraction",
        0.0,
        1.0,
        doc="share of rival defence spending that scales with munitions output",
        source="assumption",
    )
    rival_gdp_initial_usd_bn: float = declare(
        2021.42, "USD bn", 1.0, 1e6, doc="rival GDP at the start", source="World Bank 2023 (S11)"
    )
    rival_gdp_growth_pct_per_year: float = declare(
        1.0, "%/yr", -10.0, 10.0, doc="rival GDP growth without strain", source="assumption"
    )
    rival_strain_threshold_pct: float = declare(
        5.0,
        "% GDP",
        0.0,
        100.0,
        doc="defence share above which strain slows growth",
        source="assumption: SIPRI notes overheating at ~7% (S26)",
    )
    rival_strain_growth_cost: float = declare(
        0.5,
        "pp growth per pp share",
        0.0,
        10.0,
        doc="growth lost per point of defence share above the threshold",
        source="assumption",
    )
