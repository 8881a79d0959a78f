"""The parameter table, last part: the war, the rival's output, stocks and factories, its budget.

The first part, and the meaning of each row, is ``sim.core.param_table``; use
:class:`sim.core.params.Params`, which validates. The mechanisms these rows drive are
``sim.core.dynamics.rival`` (the rival's decision), ``sim.core.dynamics.war`` (the war's
consumption and both sides' stocks) and ``sim.core.dynamics.rival_budget`` (what its budget
allows). Sources S44-S49 are in ``seeds/SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.param_table import declare
from sim.core.param_table_supply import SupplyParamFields


@dataclass(frozen=True)
class ParamFields(SupplyParamFields):
    """Every field of the parameter table, in the table's order (``Params`` adds validation)."""

    # --- The war -------------------------------------------------------------------------
    war_start_quarter: str = declare(
        "",
        "quarter or empty",
        doc="quarter from which the rival is at war (it fires rounds, the allies supply the "
        "front); empty: no war",
        source="Russia's full-scale invasion of Ukraine, 24 Feb 2022: 2022Q1 in the backcast and "
        "the forward scenarios",
    )
    ceasefire_quarter: str = declare(
        "",
        "quarter or empty",
        doc="quarter from which the war stops (no consumption, no supply, no war effort); "
        "empty: none",
        source="scenario lever (configs/ceasefire_2026.toml: 2026Q1)",
    )
    rival_war_consumption_m_per_year: float = declare(
        0.0,
        "M rounds/yr",
        0.0,
        50.0,
        doc="rounds the rival wants to fire a year at war (it fires what its stock and output "
        "allow)",
        source="assumption, range 3.6-12: 10-12M fired in 2022, ~7M expected in 2023 (Reuters, "
        "RUSI, S46), ~10,000 a day (3.6M/yr) in early 2024 (CNN, S46); 7 in the backcast "
        "and the forward scenarios",
    )
    # --- The rival's output and factories ------------------------------------------------
    rival_munitions_output_initial_m_per_year: float = declare(
        3.0,
        "M rounds/yr",
        1e-3,
        100.0,
        doc="rival munitions output (and capacity) at the start",
        source="NATO intelligence via CNN, Mar 2024: ~3M/yr (S28)",
    )
    rival_round_cost_usd_k: float = declare(
        1.0,
        "USD k per round",
        0.0,
        100.0,
        doc="cost of one round (152 mm) to the rival; its munitions spending is its output "
        "times this (0: munitions cost its budget nothing, Richardson's limit)",
        source="Bain & Company for Sky News, May 2024: ~$1,000 (S45); range 0.6-1.0: ~$600 "
        "(K. Salm, Estonian MoD, Sept 2023, S45)",
    )
    rival_stock_initial_m: float = declare(
        3.0,
        "M rounds",
        0.0,
        1000.0,
        doc="the rival's stock of rounds at the start",
        source="assumption, range 0-10: up to 16M before 2022 (M. Urban, BBC, S46), 12-17M "
        "fired in 2022-23 (Foreign Policy, Feb 2024, S46), ~3M a year from North Korea (The "
        "Times, Oct 2024, S46), its own output 2022-2024 ~4M (S28, S29): ~3M left in 2025; "
        "16 in the backcast (2014)",
    )
    rival_adequacy_ratio: float = declare(
        0.0,
        "x allies' stock",
        0.0,
        10.0,
        doc="the stock the rival wants relative to the allies' (Intriligator and Brito: what "
        "matters is stock relative to need); it adds the gap over "
        "rival_stock_adjustment_years to the output it aims for; 0: no stock target",
        source="assumption, range 0-3: parity (1) in the forward scenarios",
    )
    rival_stock_adjustment_years: float = declare(
        3.0,
        "years",
        0.25,
        50.0,
        doc="years over which the rival means to close its stock gap",
        source="assumption, range 1-10",
    )
    rival_target_ratio: float = declare(
        0.0,
        "ratio",
        0.0,
        100.0,
        control=True,
        step=0.5,
        doc="ratio of its output to the alliance's the rival aims for on top of its war's and "
        "stock's needs (Richardson's reaction); 0: none, the ratio comes out of the war, the "
        "stocks and the budget",
        source="Richardson 1960 (docs/THEORY.md §1); the old stylised rival aimed at 4:1 "
        "(S29, S33; rival_ratio_*.toml)",
    )
    rival_output_baseline_m_per_year: float = declare(
        0.0,
        "M rounds/yr",
        -100.0,
        100.0,
        doc="output the rival aims for regardless of war and alliance (Richardson's grievance; "
        "its peacetime production)",
        source="Richardson 1960 (docs/THEORY.md §1); 0.4 in the backcast and the forward "
        "scenarios: pre-war 152 mm output (Estonian FIS, S29)",
    )
    rival_adjustment_speed_per_year: float = declare(
        1.0,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which the rival closes the gap to the output it aims for (0: it stops "
        "escalating)",
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
    rival_munitions_lead_first_quarters: int = declare(
        0,
        "quarters",
        0,
        40,
        doc="quarters from the rival's order of new capacity to its first output (0 and 0: no "
        "pipeline, capacity follows the output it aims for)",
        source="assumption, range 0-4; 1 in the forward scenarios and the backcast: output of "
        "some shells up 7-8x within about nine months by upgrading existing plants (Russian "
        "MoD via TASS, Mar 2023, S49)",
    )
    rival_munitions_lead_full_quarters: int = declare(
        0,
        "quarters",
        0,
        60,
        doc="quarters from the rival's order to nameplate capacity",
        source="assumption, range 0-12; 4 in the forward scenarios and the backcast (S49; "
        "a new explosives line takes 2-3 years, S49)",
    )
    rival_noise_sd_pct: float = declare(
        0.0,
        "% per quarter",
        0.0,
        50.0,
        doc="standard deviation of the quarterly shock to rival output",
        source="assumption",
    )
    rival_budget_noise_sd_pp: float = declare(
        0.0,
        "pp of GDP per quarter",
        0.0,
        2.0,
        doc="standard deviation of the quarterly shock to the rival's non-munitions defence "
        "spending (the same standard-normal draw as the output's shock)",
        source="derived: 0.33 in the backcast, the quarterly shock whose annual means change "
        "as SIPRI's share for the rival did in 1993-2021 (s.d. 0.49 pp a year, seeds/panel) "
        "at rival_budget_speed_per_year 0.5 (sim.validation.rival_record.budget_noise_sd_pp); "
        "the hindcast derives it from the years up to each origin; 0 in the forward scenarios",
    )
    # --- The rival's budget --------------------------------------------------------------
    rival_defence_share_initial_pct: float = declare(
        7.1,
        "% GDP",
        0.0,
        50.0,
        doc="rival defence spending at the start",
        source="SIPRI 2024: 7.1% (S23); 7.2% planned 2025 (S26)",
    )
    rival_war_effort_pct: float = declare(
        0.0,
        "% GDP",
        0.0,
        50.0,
        doc="the war's cost beyond munitions, added to the rival's defence share while it is "
        "at war (a run starting at war carries it in its initial share)",
        source="derived, range 2-4: SIPRI's 7.05% of GDP in 2024 less the 2017-2021 mean of "
        "3.9% (S23, seeds/panel) less munitions (~0.15%): 3.0 in the backcast and the "
        "forward scenarios",
    )
    rival_budget_speed_per_year: float = declare(
        4.0,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which the rival's non-munitions defence spending moves to what the war "
        "asks (4: within the quarter)",
        source="assumption, range 0.3-4; 0.5 in the backcast and the forward scenarios "
        "(SIPRI: 3.6% in 2021, 4.6% in 2022, 5.4% in 2023, 7.05% in 2024, seeds/panel)",
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
    rival_defence_share_funded_pct: float = declare(
        100.0,
        "% GDP",
        0.0,
        100.0,
        doc="defence share the rival's budget funds without a deficit, with oil at the "
        "budget's reference price; above it the deficit draws on reserves, then on borrowing "
        "(100: no budget constraint)",
        source="derived: SIPRI's 7.05% in 2024 less the federal deficit of 1.7% of GDP "
        "(Reuters, Mar 2025, S44), taken to be the war's: 5.35 in the forward scenarios "
        "(assumption, range 4.5-6.5)",
    )
    oil_price_usd_per_bbl: float = declare(
        60.0,
        "USD/bbl",
        0.0,
        300.0,
        control=True,
        step=5.0,
        doc="the price the rival's oil fetches (scenario lever); below the budget's reference "
        "its oil and gas revenue falls in proportion, above it the windfall goes to reserves",
        source="Urals averaged $62.89 in Jan-Nov 2023 (Minfin via Reuters, S44); 63 in the "
        "forward scenarios; 35 in oil_collapse.toml",
    )
    rival_budget_oil_price_usd_per_bbl: float = declare(
        60.0,
        "USD/bbl",
        1.0,
        300.0,
        doc="the oil price the rival's budget rule plans on (its cut-off price)",
        source="the budget rule's cut-off, $60 since 2023, to fall to $55 by 2030 (The Moscow "
        "Times, Sept 2025, S44)",
    )
    rival_oil_gas_revenue_pct: float = declare(
        4.65,
        "% GDP",
        0.0,
        50.0,
        doc="the rival's oil and gas budget revenue at its reference price",
        source="derived: Minfin's base level of RUB 8 trn a year (TASS, Jul 2023, S44) over "
        "GDP of ~RUB 172 trn (2023): 4.65; range 4-6 (RUB 8.8-11.6 trn in 2022-2024, S44)",
    )
    sanctions_revenue_loss: float = declare(
        0.0,
        "fraction",
        0.0,
        1.0,
        control=True,
        step=0.05,
        doc="fraction of the rival's oil and gas revenue lost to sanctions beyond what the "
        "reference already reflects (scenario lever)",
        source="scenario lever; the Urals discount to Brent ranged $10-40 in 2023 (Argus, "
        "Bank of Russia, Reuters: S44); 0.3 in sanctions_tightened.toml",
    )
    rival_reserves_initial_usd_bn: float = declare(
        37.5,
        "USD bn",
        0.0,
        10000.0,
        doc="the liquid reserves the rival's deficits draw on first (its National Wealth Fund)",
        source="NWF liquid assets 1 Jan 2025: RUB 3.81 trn, ~$37.5 bn (Minfin, Accounts Chamber "
        "via Interfax, Mar 2025, S44); ~$140 bn in Feb 2022 (the backcast's, S44)",
    )
    rival_debt_initial_pct: float = declare(
        14.5,
        "% GDP",
        0.0,
        300.0,
        doc="the rival's government debt at the start",
        source="federal debt 14.5% of GDP at the end of 2024 (Accounts Chamber, S44); ~17% in "
        "Sept 2023 (S44)",
    )
    rival_debt_ceiling_pct: float = declare(
        30.0,
        "% GDP",
        0.0,
        300.0,
        doc="debt beyond which the rival can no longer borrow (sanctions shut it out of "
        "foreign markets; its home market is shallow); then spending is cut to what the "
        "budget funds",
        source="assumption, range 20-60",
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
