"""The parameter table: every model parameter, its default, unit, allowed range and source.

This module owns the single list of parameters. The same names are used in scenario configs
(TOML), the command line's ``--set``, the Mesa model's keyword arguments, the web page's
controls, sweep axes and output columns. Validation of values happens here, in one place
(:func:`validate`), and raises :class:`ParamError` naming the key, the value and what was
expected.

Sources are cited by the IDs of ``seeds/SOURCES.md`` (S01-S42) or by section of the project's
theory notes, ``docs/THEORY.md``. Where no published number exists, the entry says
"assumption" and why the default was chosen; those are the parameters to vary in sensitivity
analysis.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.errors import UserError

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
STRUCTURAL = (
    "start_quarter",
    "end_quarter",
    "initial_data_year",
    "members_file",
    "anchor_mode",
    "threat_signal",
    "threat_shock_quarter",
    "use_pledges",
    "use_target_exemptions",
    "cap_shares_at_gdp",
    "region_behaviour_file",
    "member_behaviour_file",
)
"""Parameters that fix the shape of a run (its members and quarters): runs batched together in
the ensemble must share them. All others may differ run by run inside one batch."""


class ParamError(ValueError, UserError):
    """A parameter has an unknown name, a wrong type or an impossible value."""

    def __init__(self, key: str, value: Any, expected: str, source: str = "") -> None:
        self.key, self.value, self.expected, self.source = key, value, expected, source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}key '{key}' = {value!r}: expected {expected}")


def _p(
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
):
    """Declare one parameter with its metadata (the row of the parameter table)."""
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
class Params:
    """All model parameters; ``Params()`` holds the parameter table's documented defaults.

    The defaults are the table's: the Hague targets and dates with the behavioural parameters at
    their documented priors, NOT the calibrated default scenario. The scenario the command line
    runs by default (``sim run``) adds the fitted behaviour (``configs/behaviour.toml``):
    get its parameters with ``sim.load_scenario("hague").params`` (or ``sim.default_params()``);
    ``sim.AllianceModel()`` uses them.

    Values are validated on construction, with the messages a config gets (``ParamError``:
    ``key 'hegemon_pressure' = 5: expected a value <= 1.0 (0-1)``); numbers are stored as the
    field's Python type.

    Time is in quarters (one step = 0.25 years). Shares are percent of GDP; money is current
    US$ billions; munitions are millions of rounds per year (annual rate).
    """

    def __post_init__(self) -> None:
        """Check types (converting numbers to the field's type) and values."""
        given = {name: getattr(self, name) for name in PARAM_FIELDS}
        for name, f in PARAM_FIELDS.items():
            object.__setattr__(self, name, _checked_type(name, f.type, given[name]))
        try:
            validate(self)
        except ParamError as err:  # name the value as the user wrote it (5, not 5.0)
            raise ParamError(err.key, given.get(err.key, err.value), err.expected) from None

    # --- Time and data -------------------------------------------------------------------
    start_quarter: str = _p(
        "2025Q1",
        "quarter",
        doc="first quarter (the initial state)",
        source="docs/ODD.md: the forward scenario runs 2025Q1-2035Q4",
    )
    end_quarter: str = _p(
        "2035Q4", "quarter", doc="last quarter simulated", source="Hague deadline 2035 (S38)"
    )
    initial_data_year: int = _p(
        2024,
        "year",
        2014,
        2024,
        doc="year of the share data the members start from",
        source="seeds/nato_members.csv (S02, S04)",
    )
    members_file: str = _p(
        "seeds/nato_members.csv",
        "path",
        doc="member table (relative to the project root)",
        source="seeds/SOURCES.md",
    )
    gdp_growth_pct_per_year: float = _p(
        1.5,
        "%/yr",
        -5.0,
        10.0,
        doc="real GDP growth of every member",
        source="assumption: medium-term growth of advanced economies is about 1.5-2%/yr",
    )

    # --- Alliance targets and pressure ---------------------------------------------------
    target_core_pct_gdp: float = _p(
        3.5,
        "% GDP",
        0.0,
        10.0,
        control=True,
        step=0.1,
        doc="core defence target in force",
        source="Hague declaration: at least 3.5% core (S38)",
    )
    target_related_pct_gdp: float = _p(
        1.5,
        "% GDP",
        0.0,
        5.0,
        doc="defence- and security-related spending target",
        source="Hague declaration: up to 1.5% related (S38)",
    )
    target_deadline_year: int = _p(
        2035,
        "year",
        2014,
        2060,
        control=True,
        doc="year by which the target is due (its fourth quarter)",
        source="Hague declaration: by 2035 (S38)",
    )
    hegemon_pressure: float = _p(
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
    peer_conformity: float = _p(
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
    target_margin_pp: float = _p(
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
    threat_sensitivity_pp: float = _p(
        0.4,
        "pp per threat unit",
        0.0,
        5.0,
        control=True,
        step=0.05,
        doc="core share a fully exposed member adds per unit of perceived threat",
        source="assumption; calibrated to 2014-2024 (issue 5)",
    )
    threat_memory: float = _p(
        0.8,
        "per quarter",
        0.0,
        0.999,
        doc="weight of last quarter's perception (exponential smoothing)",
        source="assumption: half-life ~3 quarters",
    )
    threat_reference_ratio: float = _p(
        1.0,
        "ratio",
        1e-6,
        100.0,
        doc="rival/alliance munitions ratio felt as no threat",
        source="assumption: parity",
    )
    threat_signal: str = _p(
        "log_ratio",
        "choice",
        choices=("log_ratio", "rival_output"),
        doc="threat signal: log of the munitions ratio over the reference, "
        "or the rival's output level (linear, for Richardson docking)",
        source="docs/ODD.md: threat from rival output relative to allies'",
    )
    threat_shock_quarter: str = _p(
        "",
        "quarter or empty",
        doc="quarter from which a persistent threat shock applies",
        source="backcast: Russia's full-scale invasion, 2022Q1",
    )
    threat_shock_size: float = _p(
        0.0,
        "threat units",
        0.0,
        10.0,
        doc="size of the shock, times each member's exposure",
        source="assumption; calibrated in the backcast",
    )
    start_threat_shock_size: float = _p(
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
    free_riding_strength: float = _p(
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
    anchor_mode: str = _p(
        "calibrated",
        "choice",
        choices=("calibrated", "public_good", "fixed"),
        doc="'calibrated': each member's anchor makes its initial share a rest "
        "point; 'public_good': pure O-Z demand, anchor = 100*(1-strength) "
        "and free riding on allies' total spending; 'fixed': every anchor "
        "is anchor_fixed_pct_gdp (Richardson's grievance g/m)",
        source="Olson & Zeckhauser 1966; docs/THEORY.md §2.1; Richardson 1960",
    )
    anchor_fixed_pct_gdp: float = _p(
        0.0,
        "% GDP",
        -100.0,
        100.0,
        doc="the anchor share when anchor_mode is 'fixed'",
        source="docking configs only",
    )
    region_behaviour_file: str = _p(
        "",
        "path or empty",
        doc="table of per-region multipliers of the threat "
        "sensitivity and of the pressure weight (columns region, "
        "threat_multiplier, pressure_multiplier; relative to the "
        "project root); empty: every multiplier is 1",
        source="calibrated to 2014-2024 (sim.validation.calibrate, docs/VALIDATION.md)",
    )
    member_behaviour_file: str = _p(
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
    adjustment_speed_per_year: float = _p(
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
    ramp_limit_pp_per_year: float = _p(
        1.5,
        "pp/yr",
        0.0,
        100.0,
        doc="largest change of a member's core share in a year",
        source="Poland 2022->2023 +1.5 pp, the largest annual rise in the data (S08, S03)",
    )
    noise_sd_pp: float = _p(
        0.03,
        "pp per quarter",
        0.0,
        1.0,
        control=True,
        step=0.01,
        doc="standard deviation of the quarterly shock to each member's share",
        source="assumption",
    )
    use_pledges: bool = _p(
        True,
        "bool",
        doc="apply national pledges (seeds/pledges.csv) as floors",
        source="UK 2.5% by 2027, 3% by 2034 (S39, S31)",
    )
    use_target_exemptions: bool = _p(
        True, "bool", doc="apply member target overrides (Spain 2.1%)", source="S38 (press summary)"
    )
    cap_shares_at_gdp: bool = _p(
        True,
        "bool",
        doc="cap each member's core + related share at 100% of its GDP "
        "(all of its economy); false only to dock with Richardson's "
        "linear model, which is unbounded by design",
        source="accounting identity: spending is part of GDP; the "
        "Richardson docking configs (richardson_*.toml) turn it off",
    )
    related_initial_pct_gdp: float = _p(
        0.5,
        "% GDP",
        0.0,
        5.0,
        doc="related (infrastructure/resilience) spending at start",
        source="assumption: NATO publishes no series for it",
    )

    # --- Spending split, production and air defence --------------------------------------
    munitions_fraction_of_core: float = _p(
        0.05,
        "fraction",
        0.0,
        1.0,
        doc="share of core spending on munitions",
        source="assumption (NATO's 20% equipment guideline, Wales 2014, bounds it)",
    )
    munitions_lead_first_quarters: int = _p(
        5,
        "quarters",
        0,
        40,
        control=True,
        doc="quarters from order to first output",
        source="Rheinmetall Unterlüß: first output 14-18 "
        "months after ground-breaking (docs/THEORY.md §4.3)",
    )
    munitions_lead_full_quarters: int = _p(
        13,
        "quarters",
        0,
        60,
        doc="quarters from order to nameplate capacity",
        source="Rheinmetall Unterlüß: nameplate 36-40 months (docs/THEORY.md §4.3)",
    )
    air_defence_fraction_of_core: float = _p(
        0.03,
        "fraction",
        0.001,
        1.0,
        doc="share of core spending on air and missile defence at the start",
        source="assumption; at least 0.1%: capability is "
        "measured relative to the start, which must not be "
        "(nearly) nothing",
    )
    air_defence_fraction_target: float = _p(
        0.08,
        "fraction",
        0.0,
        1.0,
        doc="share reached linearly by the deadline",
        source="assumption sized so the 400% goal is reachable (S31)",
    )
    air_defence_build_rate_per_year: float = _p(
        0.25,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which capability approaches the level its spending sustains",
        source="assumption: ~4-year procurement cycle",
    )

    # --- The rival -----------------------------------------------------------------------
    munitions_ratio_initial: float = _p(
        4.0,
        "ratio",
        1e-3,
        100.0,
        doc="rival over alliance munitions output at the start",
        source="seed: 4:1 in annual rates (S29, S31, S33)",
    )
    rival_munitions_output_initial_m_per_year: float = _p(
        3.0,
        "M rounds/yr",
        1e-3,
        100.0,
        doc="rival munitions output at the start",
        source="NATO intelligence via CNN, Mar 2024: ~3M/yr (S28)",
    )
    rival_target_ratio: float = _p(
        4.0,
        "ratio",
        1e-3,
        100.0,
        control=True,
        step=0.5,
        doc="ratio of its output to the alliance's the rival aims for",
        source="seed: ~4:1 (S29, S33); 12:1 an outlier (S32)",
    )
    rival_output_baseline_m_per_year: float = _p(
        0.0,
        "M rounds/yr",
        -100.0,
        100.0,
        doc="output the rival aims for regardless of the alliance (Richardson's grievance)",
        source="Richardson 1960 (docs/THEORY.md §1)",
    )
    rival_adjustment_speed_per_year: float = _p(
        1.0,
        "1/yr",
        0.0,
        4.0,
        doc="rate at which the rival closes the gap to its target output (0: it stops escalating)",
        source="assumption",
    )
    rival_ramp_limit_pct_per_year: float = _p(
        100.0,
        "%/yr",
        0.0,
        1000.0,
        doc="largest change of rival output in a year",
        source="0.4M (2022) to 2-3M/yr (2024): about +125%/yr (S29, S34, S28)",
    )
    rival_noise_sd_pct: float = _p(
        0.0,
        "% per quarter",
        0.0,
        50.0,
        doc="standard deviation of the quarterly shock to rival output",
        source="assumption",
    )
    rival_defence_share_initial_pct: float = _p(
        7.1,
        "% GDP",
        0.0,
        50.0,
        doc="rival defence spending at the start",
        source="SIPRI 2024: 7.1% (S23); 7.2% planned 2025 (S26)",
    )
    rival_defence_share_ceiling_pct: float = _p(
        10.0,
        "% GDP",
        0.0,
        100.0,
        doc="war-economy ceiling on the rival's defence share",
        source="assumption; at least "
        "rival_defence_share_initial_pct (a ceiling "
        "under the starting share is no ceiling)",
    )
    rival_munitions_fraction_of_defence: float = _p(
        0.3,
        "fraction",
        0.0,
        1.0,
        doc="share of rival defence spending that scales with munitions output",
        source="assumption",
    )
    rival_gdp_initial_usd_bn: float = _p(
        2021.42, "USD bn", 1.0, 1e6, doc="rival GDP at the start", source="World Bank 2023 (S11)"
    )
    rival_gdp_growth_pct_per_year: float = _p(
        1.0, "%/yr", -10.0, 10.0, doc="rival GDP growth without strain", source="assumption"
    )
    rival_strain_threshold_pct: float = _p(
        5.0,
        "% GDP",
        0.0,
        100.0,
        doc="defence share above which strain slows growth",
        source="assumption: SIPRI notes overheating at ~7% (S26)",
    )
    rival_strain_growth_cost: float = _p(
        0.5,
        "pp growth per pp share",
        0.0,
        10.0,
        doc="growth lost per point of defence share above the threshold",
        source="assumption",
    )


PARAM_FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Params)}
NUMERIC = tuple(n for n, f in PARAM_FIELDS.items() if f.type in ("float", "int"))


def parse_quarter(text: str, key: str = "quarter") -> float:
    """Return the time in years of a quarter string: '2025Q1' -> 2025.0, '2025Q3' -> 2025.5."""
    m = QUARTER_RE.match(str(text))
    if not m:
        raise ParamError(key, text, "a quarter like '2025Q1'")
    return int(m.group(1)) + (int(m.group(2)) - 1) / 4


def format_quarter(t: float) -> str:
    """Return the quarter string of a time in years (inverse of :func:`parse_quarter`)."""
    q = round(t * 4)
    return f"{q // 4}Q{q % 4 + 1}"


def _checked_type(name: str, ftype: str, value: Any) -> Any:
    """A value of a field's type (numbers converted exactly), or :class:`ParamError`."""
    if ftype == "bool":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise ParamError(name, value, "true or false")
    if ftype == "int":
        if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
            return int(value)
        if (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and (math.isfinite(value) and float(value).is_integer())
        ):
            return int(value)
        raise ParamError(name, value, "an integer")
    if ftype == "float":
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            value = float(value)
            if not math.isfinite(value):
                raise ParamError(name, value, "a finite number")
            return value
        raise ParamError(name, value, "a number")
    if not isinstance(value, str):
        raise ParamError(name, value, "a string")
    if "\x00" in value:
        raise ParamError(name, value, "a string without NUL characters")
    return value


def coerce(name: str, value: Any) -> Any:
    """Convert a value (e.g. a string from the command line) to a parameter's type.

    Raises:
        ParamError: if it cannot be converted.
    """
    ftype = PARAM_FIELDS[name].type
    if ftype == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ParamError(name, value, "true or false")
    if ftype == "int":
        if isinstance(value, bool):
            raise ParamError(name, value, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ParamError(name, value, "an integer")
    if ftype == "float":
        if isinstance(value, bool):
            raise ParamError(name, value, "a number")
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ParamError(name, value, "a number")
    if not isinstance(value, str):
        raise ParamError(name, value, "a string")
    return value


def make_params(
    values: dict[str, Any] | None = None, *, base: Params | None = None, source: str = ""
) -> Params:
    """Build validated :class:`Params` from a mapping of overrides.

    Args:
        values: parameter names and values; strings are converted to the field's type.
        base: the parameters to override (defaults if None).
        source: where the values came from (a file name), used in error messages.

    Returns:
        The validated parameters.

    Raises:
        ParamError: for an unknown key, a wrong type or an impossible value.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(PARAM_FIELDS))
    if unknown:
        raise ParamError(
            unknown[0],
            values[unknown[0]],
            f"one of the known parameters ({', '.join(PARAM_FIELDS)})",
            source,
        )
    try:
        coerced = {k: coerce(k, v) for k, v in values.items()}
        params = dataclasses.replace(base or Params(), **coerced)  # validated on construction
    except ParamError as err:  # a number named as given (5, not 5.0), as Params(...) does
        given = values.get(err.key, err.value)
        value = (
            given
            if isinstance(given, numbers.Real) and not isinstance(given, bool)
            else (err.value)
        )
        raise ParamError(err.key, value, err.expected, err.source or source) from None
    return params


def validate(p: Params) -> None:
    """Check every value against its range and the cross-parameter constraints.

    Raises:
        ParamError: naming the first offending key.
    """
    for name, f in PARAM_FIELDS.items():
        v = getattr(p, name)
        meta = f.metadata
        if meta["choices"] and v not in meta["choices"]:
            raise ParamError(name, v, f"one of {', '.join(meta['choices'])}")
        lo, hi = meta["min"], meta["max"]
        if lo is not None and not (v >= lo):
            raise ParamError(name, v, f"a value >= {lo} ({meta['unit']})")
        if hi is not None and not (v <= hi):
            raise ParamError(name, v, f"a value <= {hi} ({meta['unit']})")
    start = parse_quarter(p.start_quarter, "start_quarter")
    end = parse_quarter(p.end_quarter, "end_quarter")
    if end <= start:
        raise ParamError(
            "end_quarter", p.end_quarter, f"a quarter after start_quarter {p.start_quarter}"
        )
    if p.target_deadline_year < int(start):
        raise ParamError(
            "target_deadline_year",
            p.target_deadline_year,
            f"a year not before the start ({p.start_quarter})",
        )
    if p.threat_shock_quarter:
        parse_quarter(p.threat_shock_quarter, "threat_shock_quarter")
    if p.munitions_lead_full_quarters < p.munitions_lead_first_quarters:
        raise ParamError(
            "munitions_lead_full_quarters",
            p.munitions_lead_full_quarters,
            f">= munitions_lead_first_quarters ({p.munitions_lead_first_quarters})",
        )
    if p.rival_defence_share_ceiling_pct < p.rival_defence_share_initial_pct:
        raise ParamError(
            "rival_defence_share_ceiling_pct",
            p.rival_defence_share_ceiling_pct,
            f">= rival_defence_share_initial_pct "
            f"({p.rival_defence_share_initial_pct}): the ceiling bounds the share "
            f"from the start",
        )
    if p.adjustment_speed_per_year * 0.25 > 1.0:
        raise ParamError(
            "adjustment_speed_per_year",
            p.adjustment_speed_per_year,
            "<= 4 (at most the whole gap closed in one quarter)",
        )


def param_table() -> list[dict[str, Any]]:
    """Return the parameter table as rows (name, default, unit, min, max, doc, source)."""
    rows = []
    for name, f in PARAM_FIELDS.items():
        m = f.metadata
        rows.append(
            {
                "name": name,
                "default": f.default,
                "unit": m["unit"],
                "min": m["min"],
                "max": m["max"],
                "choices": m["choices"],
                "control": m["control"],
                "step": m["step"],
                "doc": m["doc"],
                "source": m["source"],
            }
        )
    return rows


def to_dict(p: Params) -> dict[str, Any]:
    """Return the parameters as a plain dict (for manifests and tables)."""
    return dataclasses.asdict(p)


def markdown_table() -> str:
    """The parameter table as Markdown (``docs/PARAMETERS.md`` is this, verbatim)."""
    lines = [
        "# Parameters",
        "",
        "Generated by `python -m sim params > docs/PARAMETERS.md` from `sim/core/params.py`; a "
        "test",
        "checks it is current. The same names are used in configs, `--set`, the web page's",
        "controls, sweep axes and output tables. Source IDs (S01-S42) are in",
        "`seeds/SOURCES.md`; 'assumption' marks values with no published estimate.",
        "",
        "| name | default | unit | range | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for row in param_table():
        if row["choices"]:
            allowed = " / ".join(row["choices"])
        elif row["min"] is not None:
            allowed = f"{row['min']:g} to {row['max']:g}"
        else:
            allowed = ""
        default = row["default"]
        default = f"`{default!r}`" if isinstance(default, str) else f"`{default}`"
        cells = [f"`{row['name']}`", default, row["unit"], allowed, row["doc"], row["source"]]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
