"""The parameter table, first part: time, targets, pressure, threat, free riding, choice of share.

This module declares the rows of the parameter table (``sim.core.params.Params`` is built from
them): each field's default, unit, allowed range, meaning and source (IDs of ``seeds/SOURCES.md``
or sections of ``docs/THEORY.md``; "assumption" where no published number exists). The second
part, commitments and fiscal space, is ``sim.core.param_table_commitments``; the third, spending
split, production, air defence and the rival, ``sim.core.param_table_supply``.
Use :class:`sim.core.params.Params`, which validates; these classes only hold the declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def declare(
    default: Any,
    unit: str,
    lo: Any = None,
    hi: Any = None,
    *,
    doc: str,
    source: str,
    choices: tuple[str, ...] | None = None,
    control: bool = False,
    step: float | None = None,
) -> Any:
    """Declare one parameter with its metadata (the row of the parameter table).

    Args:
        default: the default value.
        unit: its unit.
        lo: the smallest allowed value (None: unbounded).
        hi: the largest allowed value (None: unbounded).
        doc: what it means.
        source: where the default comes from.
        choices: the allowed strings, for a choice.
        control: whether the web page has a control for it.
        step: the control's step.

    Returns:
        The dataclass field, with the row in its ``metadata``.
    """
    meta = {
        "unit": unit,
        "min": lo,
        "max": hi,
        "doc": doc,
        "source": source,
        "choices": choices,
        "control": control,
        "step": step,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class MemberParamFields:
    """Fields of the parameter table: time and data, targets, threat, free riding, choice."""

    # --- Time and data -------------------------------------------------------------------
    start_quarter: str = declare(
        "2025Q1",
        "quarter",
        doc="first quarter (the initial state)",
        source="docs/ODD.md: the forward scenario runs 2025Q1-2035Q4",
    )
    end_quarter: str = declare(
        "2035Q4", "quarter", doc="last quarter simulated", source="Hague deadline 2035 (S38)"
    )
    initial_data_year: int = declare(
        2024,
        "year",
        2014,
        2024,
        doc="year of the share data the members start from",
        source="seeds/nato_members.csv (S02, S04)",
    )
    members_file: str = declare(
        "seeds/nato_members.csv",
        "path",
        doc="member table (relative to the project root)",
        source="seeds/SOURCES.md",
    )
    gdp_growth_pct_per_year: float = declare(
        1.5,
        "%/yr",
        -5.0,
        10.0,
        doc="real GDP growth of every member",
        source="assumption: medium-term growth of advanced economies is about 1.5-2%/yr",
    )

    # --- Alliance targets and pressure ---------------------------------------------------
    target_core_pct_gdp: float = declare(
        3.5,
        "% GDP",
        0.0,
        10.0,
        control=True,
        step=0.1,
        doc="core defence target in force",
        source="Hague declaration: at least 3.5% core (S38)",
    )
    target_related_pct_gdp: float = declare(
        1.5,
        "% GDP",
        0.0,
        5.0,
        doc="defence- and security-related spending target",
        source="Hague declaration: up to 1.5% related (S38)",
    )
    target_deadline_year: int = declare(
        2035,
        "year",
        2014,
        2060,
        control=True,
        doc="year by which the target is due (its fourth quarter)",
        source="Hague declaration: by 2035 (S38)",
    )
    hegemon_pressure: float = declare(
        0.5,
        "0-1",
        0.0,
        1.0,
        control=True,
        step=0.05,
        doc="weight of the hegemon's (US) demand: the fraction of the "
        "gap to the target path a member closes in its desired share",
        source="assumption: no published elasticity of allied spending "
        "to US pressure exists (docs/THEORY.md §7); Blankenship 2021 on "
        "credible abandonment threats",
    )
    hegemon_retrenchment_year: int = declare(
        2100,
        "year",
        2014,
        2100,
        doc="the year from which the hegemon retrenches: its pressure fades over "
        "hegemon_pressure_fade_years and its own core share declines by "
        "hegemon_share_decline_pp_per_year (sim.core.dynamics.retrenchment); 2100: never",
        source="scenario lever (configs/us_retrenchment.toml: 2027)",
    )
    hegemon_pressure_fade_years: float = declare(
        4.0,
        "years",
        0.25,
        40.0,
        doc="years over which the hegemon's pressure falls linearly to nothing once it retrenches",
        source="assumption, range 0.25-40 (4: one US presidential term)",
    )
    hegemon_share_decline_pp_per_year: float = declare(
        0.0,
        "pp/yr",
        0.0,
        1.0,
        doc="how fast the hegemon's own core share falls once it retrenches",
        source="SIPRI (seeds/panel/): the US fell 0.28 pp/yr in 1990-1999 and 0.23 pp/yr in "
        "2010-2017; 0.25 in configs/us_retrenchment.toml, 0 by default",
    )
    peer_conformity: float = declare(
        0.3,
        "0-1",
        0.0,
        1.0,
        control=True,
        step=0.05,
        doc="extra pressure weight when all peers (same region) meet the "
        "target; scales with the fraction that do",
        source="Odehnal et al. 2021: follower behaviour toward the NATO "
        "average (sign); magnitude an assumption",
    )
    target_margin_pp: float = declare(
        0.0,
        "pp",
        0.0,
        2.0,
        doc="how far above the target a member under pressure aims (a "
        "safety margin over the line it is judged by): the target path "
        "runs from its initial share to target + margin at the deadline",
        source="calibrated to 2014-2024 (sim.validation.calibrate): the allies "
        "that met 2% in 2024 did so at 2.00-2.13 (seeds/nato_members.csv)",
    )

    # --- Threat perception ---------------------------------------------------------------
    threat_sensitivity_pp: float = declare(
        0.4,
        "pp per threat unit",
        0.0,
        5.0,
        control=True,
        step=0.05,
        doc="core share a fully exposed member adds per unit of perceived threat",
        source="assumption; calibrated to 2014-2024 (issue 5)",
    )
    threat_memory: float = declare(
        0.8,
        "per quarter",
        0.0,
        0.999,
        doc="weight of last quarter's perception (exponential smoothing)",
        source="assumption: half-life ~3 quarters",
    )
    threat_reference_ratio: float = declare(
        1.0,
        "ratio",
        1e-6,
        100.0,
        doc="rival/alliance munitions ratio felt as no threat",
        source="assumption: parity",
    )
    threat_signal: str = declare(
        "log_ratio",
        "choice",
        choices=("log_ratio", "rival_output"),
        doc="threat signal: log of the munitions ratio over the reference, "
        "or the rival's output level (linear, for Richardson docking)",
        source="docs/ODD.md: threat from rival output relative to allies'",
    )
    threat_shock_quarter: str = declare(
        "",
        "quarter or empty",
        doc="quarter from which a persistent threat shock applies",
        source="backcast: Russia's full-scale invasion, 2022Q1",
    )
    threat_shock_size: float = declare(
        0.0,
        "threat units",
        0.0,
        10.0,
        doc="size of the shock, times each member's exposure",
        source="assumption; calibrated in the backcast",
    )
    start_threat_shock_size: float = declare(
        0.0,
        "threat units",
        0.0,
        10.0,
        doc="a persistent threat shock in force from the first "
        "step that the initial shares do not yet reflect (the "
        "anchors are set before it), times each member's "
        "exposure",
        source="backcast: Russia's annexation of Crimea (Feb-Mar "
        "2014) came months before the Wales summit and the 2014 "
        "budgets; calibrated (sim.validation.calibrate)",
    )

    # --- Free riding (Olson-Zeckhauser) --------------------------------------------------
    free_riding_strength: float = declare(
        0.1,
        "pp per pp (USD per USD)",
        0.0,
        1.0,
        control=True,
        step=0.01,
        doc="fall in a member's desired share per point of GDP its "
        "allies together spend more than at the start; in the pure "
        "public-good mode, fall in its desired spending per extra "
        "dollar allies spend (1-beta in Olson-Zeckhauser)",
        source="sign: free riding prevalent in NATO (George & "
        "Sandler 2018, docs/THEORY.md §3.4); magnitude an assumption "
        "(no spatial-lag coefficient is published, docs/THEORY.md §7)",
    )
    anchor_mode: str = declare(
        "calibrated",
        "choice",
        choices=("calibrated", "public_good", "fixed"),
        doc="'calibrated': each member's anchor makes its initial share a rest "
        "point; 'public_good': pure O-Z demand, anchor = 100*(1-strength) "
        "and free riding on allies' total spending; 'fixed': every anchor "
        "is anchor_fixed_pct_gdp (Richardson's grievance g/m)",
        source="Olson & Zeckhauser 1966; docs/THEORY.md §2.1; Richardson 1960",
    )
    anchor_fixed_pct_gdp: float = declare(
        0.0,
        "% GDP",
        -100.0,
        100.0,
        doc="the anchor share when anchor_mode is 'fixed'",
        source="docking configs only",
    )
    region_behaviour_file: str = declare(
        "",
        "path or empty",
        doc="table of per-region multipliers of the threat "
        "sensitivity and of the pressure weight (columns region, "
        "threat_multiplier, pressure_multiplier; relative to the "
        "project root); empty: every multiplier is 1",
        source="calibrated to 2014-2024 (sim.validation.calibrate, docs/VALIDATION.md)",
    )
    member_behaviour_file: str = declare(
        "",
        "path or empty",
        doc="table of per-member multipliers of the threat "
        "sensitivity and of the pressure weight, relative to the "
        "member's region (columns iso3, threat_multiplier, "
        "pressure_multiplier); empty: every member has its "
        "region's",
        source="calibrated to 2014-2024 with shrinkage toward the "
        "region (sim.validation.calibrate, docs/VALIDATION.md)",
    )

    # --- Choice of share -----------------------------------------------------------------
    adjustment_speed_per_year: float = declare(
        0.6,
        "1/yr",
        0.0,
        4.0,
        control=True,
        step=0.05,
        doc="partial adjustment rate toward the desired share "
        "(fraction of the gap closed per quarter = rate x 0.25)",
        source="assumption; laggards' observed gap-closing "
        "rate toward 2% is 0.041/yr (docs/THEORY.md §3.3)",
    )
    ramp_limit_pp_per_year: float = declare(
        1.5,
        "pp/yr",
        0.0,
        100.0,
        doc="largest change of a member's core share in a year",
        source="Poland 2022->2023 +1.5 pp, the largest annual rise in the data (S08, S03)",
    )
    noise_sd_pp: float = declare(
        0.03,
        "pp per quarter",
        0.0,
        1.0,
        control=True,
        step=0.01,
        doc="standard deviation of the quarterly shock to each member's share",
        source="assumption",
    )
    use_pledges: bool = declare(
        True,
        "bool",
        doc="apply national pledges (seeds/pledges.csv) as commitments with their deadlines "
        "(kept as floors where affordable, sim.core.dynamics.commitment)",
        source="UK 2.5% by 2027, 3% by 2034 (S39, S31)",
    )
    use_target_exemptions: bool = declare(
        True, "bool", doc="apply member target overrides (Spain 2.1%)", source="S38 (press summary)"
    )
    cap_shares_at_gdp: bool = declare(
        True,
        "bool",
        doc="cap each member's core + related share at 100% of its GDP "
        "(all of its economy); false only to dock with Richardson's "
        "linear model, which is unbounded by design",
        source="accounting identity: spending is part of GDP; the "
        "Richardson docking configs (richardson_*.toml) turn it off",
    )
    related_initial_pct_gdp: float = declare(
        0.5,
        "% GDP",
        0.0,
        5.0,
        doc="related (infrastructure/resilience) spending at start",
        source="assumption: NATO publishes no series for it",
    )
