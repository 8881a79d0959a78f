"""The axes of a sweep config: one swept parameter each, a list of values or a range.

This module owns :class:`Axis` and reading one ``[axes]`` entry of a sweep config into it
(:func:`parse_axis`): the parameter must be in the parameter table (``sim.core.params``); a list
of values (grids only) is coerced to the parameter's type and must be distinct; a range
``{ min, max, num }`` needs a numeric parameter, finite bounds with ``min < max`` inside the
parameter's allowed bounds (integer bounds for an integer parameter), and on a grid ``num >= 2``
points that stay distinct once rounded. Every problem is a :class:`sim.core.config.ConfigError`
naming the file, the key, the value and what was expected.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.config import ConfigError
from sim.core.params import NUMERIC, PARAM_FIELDS, ParamError, coerce
from sim.sweep.checks import check_int


@dataclass(frozen=True)
class Axis:
    """One swept parameter: a list of values, or a range ``[lo, hi]`` (``num`` points on a grid)."""

    name: str
    values: tuple[Any, ...] | None = None
    lo: float | None = None
    hi: float | None = None
    num: int | None = None

    @property
    def is_range(self) -> bool:
        """True for a ``{min, max}`` range, false for a list of values."""
        return self.values is None

    def as_data(self) -> dict[str, Any]:
        """The axis as plain data (for the manifest)."""
        if self.values is not None:
            return {"values": list(self.values)}
        out: dict[str, Any] = {"min": self.lo, "max": self.hi}
        if self.num is not None:
            out["num"] = self.num
        return out


def parse_axis(path: Path, name: str, spec: Any, method: str) -> Axis:
    """Read and validate the ``[axes]`` entry ``name = spec`` of a sweep config.

    Args:
        path: the sweep config (for error messages).
        name: the swept parameter.
        spec: its entry: a list of values or a table ``{ min, max, num }``.
        method: the design's method (``grid``, ``lhs``, ``sobol`` or ``morris``).

    Returns:
        The axis.

    Raises:
        ConfigError: for any problem, naming the file, the key, the value and what was expected.
    """
    key = f"axes.{name}"
    if name not in PARAM_FIELDS:
        close = difflib.get_close_matches(name, PARAM_FIELDS, n=3, cutoff=0.75)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise ConfigError(
            path,
            key,
            spec,
            f"a parameter of the parameter table ({hint}all {len(PARAM_FIELDS)} are listed by "
            "`python -m sim params`; e.g. hegemon_pressure, rival_target_ratio)",
        )
    if isinstance(spec, list):
        return _list_axis(path, key, name, spec, method)
    if not isinstance(spec, dict):
        raise ConfigError(path, key, spec, "a list of values or a range { min, max, num }")
    return _range_axis(path, key, name, spec, method)


def _list_axis(path: Path, key: str, name: str, spec: list, method: str) -> Axis:
    """An axis given as a list of values (grids only): coerced to the parameter's type, distinct."""
    if method != "grid":
        raise ConfigError(
            path,
            key,
            spec,
            f"a range {{ min = ..., max = ... }} (the "
            f"{method} design samples within bounds; lists are for grids)",
        )
    if not spec:
        raise ConfigError(path, key, spec, "a non-empty list of values")
    try:
        values = tuple(coerce(name, v) for v in spec)
    except ParamError as err:
        raise ConfigError(path, key, err.value, err.expected) from None
    if len(set(values)) != len(values):
        raise ConfigError(path, key, spec, "distinct values")
    return Axis(name, values=values)


def _range_axis(path: Path, key: str, name: str, spec: dict, method: str) -> Axis:
    """An axis given as a range ``{ min, max, num }`` of a numeric parameter."""
    if name not in NUMERIC:
        raise ConfigError(
            path, key, spec, f"a list of values ({name} is not numeric, so it has no range)"
        )
    allowed = ("min", "max", "num") if method == "grid" else ("min", "max")
    for k in spec:
        if k not in allowed:
            raise ConfigError(
                path,
                f"{key}.{k}",
                spec[k],
                f"one of {', '.join(allowed)}"
                + ("" if method == "grid" else f" ({method} draws its own points)"),
            )
    lo, hi = _range_bounds(path, key, name, spec)
    num = _grid_num(path, key, name, spec, lo, hi) if method == "grid" else None
    return Axis(name, lo=lo, hi=hi, num=num)


def _range_bounds(path: Path, key: str, name: str, spec: dict) -> tuple[float, float]:
    """A range's ``(min, max)``: finite, ``min < max``, within the parameter's bounds."""
    for k in ("min", "max"):
        v = spec.get(k)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ConfigError(path, f"{key}.{k}", v, "a finite number")
    lo, hi = float(spec["min"]), float(spec["max"])
    if lo == hi:
        raise ConfigError(
            path,
            key,
            spec,
            "a non-empty range (min < max); for one value use [set] or a one-element list",
        )
    if lo > hi:
        raise ConfigError(path, key, spec, "min < max (the range is inverted)")
    plo, phi = _field_bounds(name)
    if (plo is not None and lo < plo) or (phi is not None and hi > phi):
        raise ConfigError(path, key, spec, f"a range within the parameter's bounds [{plo}, {phi}]")
    if PARAM_FIELDS[name].type == "int" and not (lo.is_integer() and hi.is_integer()):
        raise ConfigError(path, key, spec, f"integer bounds ({name} is an integer)")
    return lo, hi


def _grid_num(path: Path, key: str, name: str, spec: dict, lo: float, hi: float) -> int:
    """A grid range's number of points: >= 2, and distinct once rounded for an integer."""
    num = check_int(
        path,
        f"{key}.num",
        spec.get("num"),
        2,
        "an integer >= 2 (the number of grid points in the range)",
    )
    if PARAM_FIELDS[name].type == "int":
        points = {round(x) for x in _linspace(lo, hi, num)}
        if len(points) < num:
            raise ConfigError(
                path,
                f"{key}.num",
                num,
                f"at most {len(points)} for an integer range (rounding would repeat values)",
            )
    return num


def _field_bounds(name: str) -> tuple[Any, Any]:
    """A parameter's allowed ``(min, max)`` from the parameter table (None: unbounded)."""
    meta = PARAM_FIELDS[name].metadata
    return meta["min"], meta["max"]


def _linspace(lo: float, hi: float, num: int) -> list[float]:
    """``num`` evenly spaced floats from ``lo`` to ``hi``, both included."""
    return [float(x) for x in np.linspace(lo, hi, num)]
