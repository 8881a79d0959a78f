"""Numbers as a paper prints them: each outcome in its own format, effects to their precision.

This module owns how a report's LaTeX tables write a number (the CSV files keep full
precision):

- :func:`outcome_kind`: what an outcome column measures (a share of GDP, a count of members, a
  ratio, money, a correlation, a year), from its name;
- :func:`format_value`: a value of that kind (shares and ratios to two decimals, counts as
  integers, or to one decimal for a mean of counts, money in whole US$ bn with thousands
  separated, years as plain integers);
- :func:`format_effect`: a difference with its confidence interval, to as many decimals as the
  interval's width needs (two significant digits of its half-width), so that a real small
  effect never prints as ``0 [0, 0]`` or ``-0``;
- :func:`format_level`: a design axis's value as the design gave it (``0.5``, ``13``, and an
  empty value, such as no ceasefire, as "none").

Every function returns LaTeX (thousands separated by ``{,}``, a minus sign as ``-``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

KIND_DECIMALS = {"share": 2, "ratio": 2, "correlation": 2, "money": 0}
"""Decimals of each kind of outcome (counts and years: integers)."""
MAX_DECIMALS = 6
"""The most decimals an effect is written with; smaller intervals are written in scientific form."""


def outcome_kind(name: str) -> str:
    """What an outcome column measures: year, count, share, ratio, correlation, money or other."""
    n = str(name)
    if n in ("year", "origin") or n.endswith("_year"):
        return "year"
    if "members_at_or_above" in n or n in ("n", "n_runs", "n_pairs"):
        return "count"
    if n.endswith("_pct") or "share" in n or n.endswith("_pp"):
        return "share"
    if "correlation" in n:
        return "correlation"
    if "ratio" in n:
        return "ratio"
    if "usd_bn" in n:
        return "money"
    return "other"


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x))


def _fixed(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` decimals and thousands separated; never ``-0``."""
    text = f"{x:,.{decimals}f}"
    if text.lstrip("-").replace("0", "").replace(".", "").replace(",", "") == "":
        text = text.lstrip("-")
    return text.replace(",", "{,}")


def format_value(x: object, kind: str) -> str:
    """A value of an outcome of the given kind (:func:`outcome_kind`); NaN is "--"."""
    if _missing(x):
        return "--"
    v = float(x)  # type: ignore[arg-type]
    if kind == "year":
        return str(int(round(v)))
    if kind == "count":
        return _fixed(v, 0 if v == round(v) else 1)
    if kind in KIND_DECIMALS:
        return _fixed(v, KIND_DECIMALS[kind])
    return significant(v, 3)


def significant(x: float, figures: int = 3) -> str:
    """``x`` to ``figures`` significant figures (at least the integer part, no exponent)."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(x))))
    if decimals > MAX_DECIMALS:
        return f"{x:.{figures - 1}e}"
    return _fixed(x, decimals)


def effect_decimals(low: float, high: float) -> int | None:
    """Decimals that give two significant digits of an interval's half-width.

    Returns:
        The decimals (0 to :data:`MAX_DECIMALS`), or None if the interval is missing or has no
        width (then the effect is written to three significant figures).
    """
    if _missing(low) or _missing(high):
        return None
    half = (float(high) - float(low)) / 2
    if not half > 0:
        return None
    return int(min(MAX_DECIMALS + 1, max(0, 1 - math.floor(math.log10(half)))))


def format_effect(mean: float, low: float, high: float, kind: str = "other") -> str:
    """A difference with its interval, ``mean [low, high]``, to the interval's precision.

    Without an interval (fewer than two pairs) or with one of no width (every pair differs
    by the same amount), the difference alone, in its outcome's format (``kind``).
    """
    if _missing(mean):
        return "--"
    decimals = effect_decimals(low, high)
    if decimals is None:
        return format_value(mean, kind)
    if decimals > MAX_DECIMALS:  # an interval of rounding noise: the mean's 3 figures decide
        decimals = max(0, 2 - math.floor(math.log10(abs(float(mean))))) if mean else decimals
    if decimals > MAX_DECIMALS:
        return f"{mean:.2e} [{low:.2e}, {high:.2e}]"
    return (
        f"{_fixed(float(mean), decimals)} "
        f"[{_fixed(float(low), decimals)}, {_fixed(float(high), decimals)}]"
    )


def format_values(values: Sequence[object], kind: str) -> list[str]:
    """Values of one outcome shown together, each in the outcome's format (:func:`format_value`).

    Counts are integers, unless one of them is not (a mean, an interpolated quantile): then all
    have one decimal, so that they line up.
    """
    if kind == "count" and not any(_missing(v) for v in values):
        decimals = 0 if all(float(v) == round(float(v)) for v in values) else 1  # type: ignore[arg-type]
        return [_fixed(float(v), decimals) for v in values]  # type: ignore[arg-type]
    return [format_value(v, kind) for v in values]


def format_range(mid: float, low: float, high: float, kind: str) -> str:
    """A central value with a range (a mean and its 5-95% spread), ``mid [low, high]``."""
    a, b, c = format_values((mid, low, high), kind)
    return f"{a} [{b}, {c}]"


def format_level(value: object) -> str:
    """A design axis's value as the design gave it: ``0.5``, ``13``; empty as "none"."""
    if _missing(value) or value == "":
        return "none"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.number):
        return f"{float(value):g}"
    return str(value)
