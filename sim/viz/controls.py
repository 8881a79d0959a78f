"""The web page's parameter controls, generated from the parameter table (``sim.core.params``).

This module owns turning the rows of :func:`sim.core.params.param_table` flagged ``control=True``
into slider specifications (name, label, unit, range, step, documentation), and converting and
validating what a user enters for any parameter (a slider position, typed text, a switch or a
choice; the inputs of the other parameters are ``sim.viz.param_inputs``) into model keyword
arguments. Nothing here repeats a parameter's name, label or range by hand: add
``control=True`` to a parameter in ``sim/core/params.py`` and it gets a slider on the page.
Labels are the table's (``sim.core.params.param_label``); units are shown apart from them.

A parameter naming a file (:data:`FILE_PARAMS`) may name only a file under the shipped folders
(``seeds/``, ``configs/``): the page opens no other file a browser names. A change of a
structural parameter is checked by building the run's members and start (a missing column, a
backcast that does not end before the first quarter) before Reset can use it.

A bad value (text that is not a number, a value out of range, a seed that is not an integer
from 0 to ``sim.core.params.MAX_SEED``, or a combination the parameter table forbids) becomes a
message for the page, never an exception. The sliders (:func:`NumberSlider`) take only finite
numbers from the browser: anything else a crafted message sends them is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import solara

from sim.abm.model import seed_from
from sim.core.errors import shown
from sim.core.params import (
    MAX_SEED,
    PARAM_FIELDS,
    ParamError,
    Params,
    make_params,
    param_label,
    param_table,
    to_dict,
)
from sim.viz.param_checks import file_error, structure_error
from sim.viz.param_inputs import ParamGroups

SEED = "seed"
"""Name of the seed entry in the control values (the model's ``rng`` keyword)."""


@dataclass(frozen=True)
class ControlSpec:
    """One slider of the page, derived from a row of the parameter table."""

    name: str
    unit: str
    kind: str
    """'int' or 'float'."""
    min: float
    max: float
    step: float
    doc: str

    @property
    def label(self) -> str:
        """The slider's label: the parameter's label from the table (its unit shown apart)."""
        return param_label(self.name)

    def fmt(self, value: Any) -> str:
        """Format a value for the text box next to the slider."""
        if self.kind == "int":
            return str(int(value))
        return f"{float(value):g}"

    def clamp(self, value: float) -> float:
        """The slider position nearest to a value (sliders cannot show out-of-range values)."""
        return min(max(value, self.min), self.max)


def _slider_range(lo: Any, hi: Any, step: float, kind: str) -> tuple[float, float]:
    """Slider end points: the table's range, with the minimum rounded up to a whole step.

    A range such as 0.001..100 with step 0.5 would otherwise give positions 0.001, 0.501, ...
    """
    if kind == "int":
        return int(lo), int(hi)
    start = math.ceil(round(lo / step, 9)) * step
    return round(start, 10), float(hi)


def control_specs() -> list[ControlSpec]:
    """The page's parameter controls, in parameter-table order.

    Returns:
        One spec per parameter flagged ``control=True``; the range is the table's min/max and
        the step the table's step (1 for integers; a hundredth of the range if none is given).
    """
    specs = []
    for row in param_table():
        if not row["control"]:
            continue
        kind = "int" if isinstance(row["default"], int) else "float"
        lo, hi = row["min"], row["max"]
        if lo is None or hi is None:
            raise ValueError(f"control parameter {row['name']} needs a min and a max")
        step = row["step"] or (1 if kind == "int" else (hi - lo) / 100)
        smin, smax = _slider_range(lo, hi, step, kind)
        specs.append(ControlSpec(row["name"], row["unit"], kind, smin, smax, step, row["doc"]))
    return specs


CONTROLS: list[ControlSpec] = control_specs()
CONTROL_NAMES = tuple(s.name for s in CONTROLS)


@dataclass
class Checked:
    """The outcome of converting and validating the page's control values."""

    params: Params | None
    seed: int | None
    errors: dict[str, str] = field(default_factory=dict)
    """Messages by parameter name (``'seed'`` for the seed; ``''`` for cross-parameter rules)."""

    @property
    def ok(self) -> bool:
        """True if every value is valid (the model can be rebuilt with them)."""
        return not self.errors

    def kwargs(self) -> dict[str, Any]:
        """The model's keyword arguments (only when :attr:`ok`)."""
        if not self.ok or self.params is None or self.seed is None:
            raise ValueError("invalid control values: " + "; ".join(self.errors.values()))
        return {"rng": self.seed, **to_dict(self.params)}


def initial_values(base: Params, seed: int) -> dict[str, Any]:
    """The control values of a scenario: its parameters for each control, and its seed."""
    return {**{name: getattr(base, name) for name in CONTROL_NAMES}, SEED: str(seed)}


def check(base: Params, values: dict[str, Any]) -> Checked:
    """Convert and validate the values entered (numbers from sliders, typed text, switches).

    Args:
        base: the scenario's parameters, which the entered values override.
        values: parameter name -> value (any parameter of the table; other keys are ignored),
            plus ``'seed'`` -> the seed (int or text).

    Returns:
        The validated parameters and seed, or messages naming each bad value.
    """
    errors: dict[str, str] = {}
    seed = None
    try:
        seed = seed_from(values.get(SEED))
        if seed > MAX_SEED:
            raise ValueError(f"seed {seed}: expected an integer from 0 to {MAX_SEED}")
    except ValueError as err:  # also a number of over 4,300 digits (int's limit)
        seed = None
        errors[SEED] = f"Seed not applied: {shown(str(err), 160)}."
    overrides = {}
    for name in PARAM_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
        try:
            make_params({name: value}, base=base)  # the value alone: type and range
            problem = file_error(name, value, getattr(base, name))
            if problem:
                raise ParamError(name, value, problem)
            overrides[name] = value
        except ParamError as err:
            errors[name] = _message(err)
    params = None
    try:
        params = make_params(overrides, base=base)
    except ParamError as err:  # rules across parameters (e.g. deadline before the start)
        key = err.key if err.key in PARAM_FIELDS and err.key not in errors else ""
        errors[key] = _message(err)
    if params is not None and not errors:
        problem = structure_error(params, base)
        if problem:
            errors[problem[0]] = f"Not applied: {problem[1]}."
    return Checked(params if not errors else None, seed, errors)


def _message(err: ParamError) -> str:
    label = param_label(err.key) if err.key in PARAM_FIELDS else err.key
    return f"Not applied: {label} = {shown(repr(err.value), 80)}; expected {err.expected}."


def slider_number(value: Any) -> float | None:
    """A slider value sent by the browser as a finite number; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@solara.component
def NumberSlider(
    value: float,
    on_value: Callable[[float], None],
    min: float,
    max: float,
    step: float,
    *,
    label: str = "",
    integer: bool = False,
):
    """A slider that passes on only finite numbers (Solara's casts raise on other values).

    Args:
        value: the position shown.
        on_value: called with the new position (an int when ``integer``).
        min: the left end.
        max: the right end.
        step: the distance between positions.
        label: the label shown before it.
        integer: positions are integers.
    """

    def on_v_model(new: Any) -> None:
        number = slider_number(new)
        if number is not None:
            on_value(round(number) if integer else number)

    solara.v.Slider(
        v_model=value,
        on_v_model=on_v_model,
        label=label,
        min=min,
        max=max,
        step=step,
        thumb_label=False,
        hide_details=True,
    )


def as_number(spec: ControlSpec, value: Any, base: Params, fallback: float) -> float:
    """The slider position for a control value (the fallback if it is not a valid value)."""
    try:
        valid = make_params(
            {spec.name: value.strip() if isinstance(value, str) else value}, base=base
        )
    except ParamError:
        return spec.clamp(fallback)
    return spec.clamp(getattr(valid, spec.name))


@solara.component
def ControlRow(
    spec: ControlSpec, value: Any, base: Params, fallback: float, error: str | None, on_change: Any
):
    """One parameter: a slider over the table's range and a text box for a typed value."""
    position = as_number(spec, value, base, fallback)
    text = value if isinstance(value, str) else spec.fmt(value)

    def on_slider(new: float) -> None:
        # The browser's slider snaps a value between steps (a calibrated 0.4068 on a 0.05 grid)
        # to the grid and reports it; that is not the user's move (a move is a whole step).
        if abs(new - position) >= spec.step / 2:
            on_change(spec.name, new)

    with solara.Column(gap="0px", classes=["viz-control"], style={"margin-bottom": "6px"}):
        with solara.Row(gap="6px", style={"align-items": "baseline"}):
            with solara.Tooltip(spec.doc):
                solara.Text(
                    spec.label,
                    classes=["viz-control-label"],
                    style={"font-size": "0.85em", "font-weight": "500"},
                )
            solara.Text(spec.unit, style={"font-size": "0.75em", "color": "#666"})
        with solara.Row(gap="8px", style={"align-items": "center"}):
            with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
                NumberSlider(
                    position, on_slider, spec.min, spec.max, spec.step, integer=spec.kind == "int"
                )
            with solara.Column(style={"width": "76px", "flex": "0 0 76px"}):
                solara.InputText(
                    label="value",
                    value=text,
                    dense=True,
                    on_value=lambda t: on_change(spec.name, t),
                    error=bool(error),
                    classes=[f"viz-input-{spec.name}"],
                )
        if error:
            solara.Error(error, dense=True, classes=["viz-error"])


@solara.component
def Controls(base: Params, current: Params, values: solara.Reactive[dict], checked: Checked):
    """The seed box, a :func:`ControlRow` per main parameter, then every other parameter by group.

    Args:
        base: the scenario's parameters (what the controls override).
        current: the running model's parameters (where a slider rests while its text is bad).
        values: the values as entered (numbers, text, switches), plus the seed.
        checked: the outcome of :func:`check` on ``values``.
    """

    def on_change(name: str, value: Any) -> None:
        values.value = {**values.value, name: value}

    with solara.Column(gap="0px"):
        solara.InputText(
            label="Seed (a whole number, 0 or more)",
            value=str(values.value.get(SEED, "")),
            on_value=lambda t: on_change(SEED, t),
            error=SEED in checked.errors,
            classes=["viz-input-seed"],
            dense=True,
        )
        if SEED in checked.errors:
            solara.Error(checked.errors[SEED], dense=True, classes=["viz-error"])
    with solara.Column(gap="0px"):
        if "" in checked.errors:
            solara.Error(checked.errors[""], dense=True, classes=["viz-error"])
    for spec in CONTROLS:
        ControlRow(
            spec,
            values.value.get(spec.name, getattr(base, spec.name)),
            base,
            getattr(current, spec.name),
            checked.errors.get(spec.name),
            on_change,
        ).key(spec.name)
    solara.Text("All parameters, by group", style={"font-size": "0.9em", "font-weight": "600"})
    ParamGroups(values.value, base, checked.errors, on_change)
