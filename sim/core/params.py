"""The parameter table: every model parameter, its default, unit, allowed range and source.

This module owns the single list of parameters. The same names are used in scenario configs
(TOML), the command line's ``--set``, the Mesa model's keyword arguments, the web page's
controls, sweep axes and output columns. Validation of values happens here, in one place
(:func:`validate`), and raises :class:`ParamError` naming the key, the value and what was
expected.

Sources are cited by the IDs of ``seeds/SOURCES.md`` (S01-S53) or by section of the project's
theory notes, ``docs/THEORY.md``. Where no published number exists, the entry says
"assumption" and why the default was chosen; those are the parameters to vary in sensitivity
analysis.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.errors import UserError
from sim.core.param_labels import LABELS
from sim.core.param_table_rival import ParamFields

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
MAX_SEED = 2**63 - 1
"""The largest seed a run accepts: TOML integers (configs) are 64-bit signed."""
STRUCTURAL = (
    "start_quarter",
    "end_quarter",
    "initial_data_year",
    "members_file",
    "anchor_mode",
    "threat_signal",
    "threat_shock_quarter",
    "war_start_quarter",
    "ceasefire_quarter",
    "use_pledges",
    "use_target_exemptions",
    "cap_shares_at_gdp",
    "region_behaviour_file",
    "member_behaviour_file",
    "fiscal_data_until_year",
    "commitment_annual_plans",
    "history_config",
)
"""Parameters that fix the shape of a run (its members and quarters): runs batched together in
the ensemble must share them. All others may differ run by run inside one batch."""


class ParamError(ValueError, UserError):
    """A parameter has an unknown name, a wrong type or an impossible value."""

    def __init__(self, key: str, value: Any, expected: str, source: str = "") -> None:
        self.key, self.value, self.expected, self.source = key, value, expected, source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}key '{key}' = {value!r}: expected {expected}")


@dataclass(frozen=True)
class Params(ParamFields):
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


PARAM_FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Params)}
NUMERIC = tuple(n for n, f in PARAM_FIELDS.items() if f.type in ("float", "int"))


def parse_quarter(text: str, key: str = "quarter") -> float:
    """Return the time in years of a quarter string: '2025Q1' -> 2025.0, '2025Q3' -> 2025.5."""
    m = QUARTER_RE.match(str(text))
    if not m:
        raise ParamError(key, text, "a quarter like '2025Q1'")
    return int(m.group(1)) + (int(m.group(2)) - 1) / 4


def _checked_type(name: str, ftype: str, value: Any) -> Any:
    """A value of a field's type (numbers converted exactly), or :class:`ParamError`."""
    kind = type(value)  # fast paths for the common exact types (a sweep builds many Params)
    if ftype == "float" and kind is float and math.isfinite(value):
        return value
    if (ftype == "int" and kind is int) or (ftype == "str" and kind is str and "\x00" not in value):
        return value
    if ftype == "bool" and kind is bool:
        return value
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
        close = difflib.get_close_matches(unknown[0], PARAM_FIELDS, n=3, cutoff=0.75)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise ParamError(
            unknown[0],
            values[unknown[0]],
            f"one of the known parameters ({hint}all {len(PARAM_FIELDS)} are listed by "
            "`python -m sim params` and in docs/PARAMETERS.md)",
            source,
        )
    try:
        coerced = {k: coerce(k, v) for k, v in values.items()}
        params = (
            dataclasses.replace(Params(), **coerced)  # validated on construction
            if base is None
            else _overridden(base, coerced)
        )
    except ParamError as err:  # a number named as given (5, not 5.0), as Params(...) does
        given = values.get(err.key, err.value)
        value = (
            given
            if isinstance(given, numbers.Real) and not isinstance(given, bool)
            else (err.value)
        )
        raise ParamError(err.key, value, err.expected, err.source or source) from None
    return params


def _overridden(base: Params, values: dict[str, Any]) -> Params:
    """``base`` with ``values`` in place of its own, checked as ``Params(...)`` checks them.

    What ``dataclasses.replace`` gives, in a quarter of the time (a sweep builds a set for each
    design point in its plan and again in each chunk): ``base`` was checked when it was made, so
    only the values given are type-checked, then every value is validated together.

    Raises:
        ParamError: as ``Params(...)``.
    """
    params = object.__new__(Params)
    fields = dict(vars(base))
    for name, value in values.items():
        fields[name] = _checked_type(name, PARAM_FIELDS[name].type, value)
    vars(params).update(fields)
    validate(params)
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
    for key in ("threat_shock_quarter", "war_start_quarter", "ceasefire_quarter"):
        if getattr(p, key):
            parse_quarter(getattr(p, key), key)
    for side in ("", "rival_"):
        first, full = f"{side}munitions_lead_first_quarters", f"{side}munitions_lead_full_quarters"
        if getattr(p, full) < getattr(p, first):
            raise ParamError(full, getattr(p, full), f">= {first} ({getattr(p, first)})")
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


def param_label(name: str, *, unit: bool = False) -> str:
    """The words a reader sees for a parameter (``sim.core.param_labels``), or the name itself.

    Args:
        name: a parameter's name; any other column name is returned with spaces for ``_``.
        unit: append the unit in brackets ("US pressure (0-1)"), for an axis or a table header.

    Returns:
        The label.
    """
    if name not in LABELS:
        return name.replace("_", " ")
    label = LABELS[name][0]
    return f"{label} ({PARAM_FIELDS[name].metadata['unit']})" if unit else label


def param_group(name: str) -> str:
    """The group the web page files a parameter under (``sim.core.param_labels.GROUPS``)."""
    return LABELS[name][1]


def param_table() -> list[dict[str, Any]]:
    """The parameter table as rows (name, label, group, default, unit, range, doc, source)."""
    rows = []
    for name, f in PARAM_FIELDS.items():
        m = f.metadata
        rows.append(
            {
                "name": name,
                "label": LABELS[name][0],
                "group": LABELS[name][1],
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
        "controls, sweep axes and output tables. Source IDs (S01-S53) are in",
        "`seeds/SOURCES.md`; 'assumption' marks values with no published estimate.",
        "",
        "| name | label | default | unit | range | meaning | source |",
        "|---|---|---|---|---|---|---|",
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
        cells = [
            f"`{row['name']}`",
            row["label"],
            default,
            row["unit"],
            allowed,
            row["doc"],
            row["source"],
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
