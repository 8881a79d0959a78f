"""The web page's inputs for the parameters that have no slider, in collapsible groups.

This module owns the inputs of every parameter of the table (:func:`sim.core.params.param_table`)
not flagged ``control=True`` (those have sliders at the top: ``sim.viz.controls``), filed under
their group (``sim.core.param_labels.GROUPS``, in its order) in expansion panels: a switch for a
true/false parameter, a select for one with choices, and a text box for a number (its unit as
the suffix, its range under it) or a text. Each shows the parameter's label
(``sim.core.params.param_label``) and its documentation on hover. A structural parameter
(``sim.core.params.STRUCTURAL``: the run's quarters, members, data files) is marked: it changes
the run's shape.

What is entered is converted and checked by ``sim.viz.controls.check`` like the sliders' values
(messages next to the input), and takes effect at Reset. A group's inputs are built only while
its panel is open, so the closed groups cost the page nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from sim.core.param_labels import GROUPS
from sim.core.params import STRUCTURAL, param_table


@dataclass(frozen=True)
class InputSpec:
    """One parameter's input, from its row of the parameter table."""

    name: str
    label: str
    unit: str
    kind: str
    """'bool', 'choice', 'int', 'float' or 'str'."""
    min: float | None
    max: float | None
    choices: tuple[str, ...]
    doc: str
    group: str
    common: bool
    """Flagged ``control=True``: a slider at the top of the controls."""

    @property
    def structural(self) -> bool:
        """It fixes the run's shape (``sim.core.params.STRUCTURAL``)."""
        return self.name in STRUCTURAL

    @property
    def hint(self) -> str:
        """What the input accepts, in a few words (shown under it)."""
        if self.kind in ("int", "float") and self.min is not None and self.max is not None:
            text = f"{self.min:g} to {self.max:g}"
        elif self.kind == "str":
            text = self.unit
        else:
            text = ""
        return f"{text}; restarts the run's shape" if self.structural else text

    def fmt(self, value: Any) -> Any:
        """The input's value for a parameter value (text for a text box)."""
        if self.kind in ("bool", "choice") or isinstance(value, str):
            return value
        return str(int(value)) if self.kind == "int" else f"{float(value):g}"


def _kind(row: dict[str, Any]) -> str:
    default = row["default"]
    if isinstance(default, bool):
        return "bool"
    if row["choices"]:
        return "choice"
    if isinstance(default, int):
        return "int"
    return "float" if isinstance(default, float) else "str"


def input_specs() -> list[InputSpec]:
    """One input per parameter of the table, in table order (all of them, common ones too)."""
    return [
        InputSpec(
            row["name"],
            row["label"],
            row["unit"],
            _kind(row),
            row["min"],
            row["max"],
            tuple(row["choices"] or ()),
            row["doc"],
            row["group"],
            bool(row["control"]),
        )
        for row in param_table()
    ]


INPUTS: list[InputSpec] = input_specs()


def grouped(specs: list[InputSpec]) -> list[tuple[str, list[InputSpec]]]:
    """The parameters without a slider by group, in ``GROUPS`` order (empty groups left out)."""
    out = []
    for group in GROUPS:
        members = [s for s in specs if s.group == group and not s.common]
        if members:
            out.append((group, members))
    return out


GROUPED = grouped(INPUTS)


@solara.component
def ParamInput(
    spec: InputSpec, value: Any, error: str | None, on_change: Callable[[str, Any], None]
):
    """One parameter's input: a switch, a select or a text box, with its message if invalid."""
    cls = [f"viz-input-{spec.name}"]
    label = f"{spec.label} (structural)" if spec.structural else spec.label
    with solara.Column(gap="0px", classes=["viz-param-row"]):
        with solara.Tooltip(spec.doc):
            if spec.kind == "bool":
                solara.v.Switch(
                    label=label,
                    v_model=value,
                    on_v_model=lambda v: on_change(spec.name, v),
                    class_=" ".join(cls),
                    dense=True,
                    hide_details=True,
                    inset=True,
                )
            elif spec.kind == "choice":
                solara.v.Select(
                    label=label,
                    items=[{"text": c.replace("_", " "), "value": c} for c in spec.choices],
                    v_model=value,
                    on_v_model=lambda v: on_change(spec.name, v),
                    class_=" ".join(cls),
                    dense=True,
                    hide_details=True,
                )
            else:
                solara.InputText(
                    label=label,
                    value=spec.fmt(value),
                    on_value=lambda t: on_change(spec.name, t),
                    suffix=spec.unit if spec.kind != "str" else None,
                    message=spec.hint or None,
                    error=bool(error),
                    classes=cls,
                    dense=True,
                )
        if error:
            solara.Error(error, dense=True, classes=["viz-error"])


@solara.component
def ParamGroups(values: dict[str, Any], base: Any, errors: dict[str, str], on_change: Any):
    """The groups of parameters without a slider, as expansion panels (closed at first).

    Args:
        values: the values entered so far (name -> value; the rest are the scenario's).
        base: the scenario's parameters.
        errors: messages by parameter name (``sim.viz.controls.Checked.errors``).
        on_change: called with (name, value) when an input changes.
    """
    opened = solara.use_reactive([])
    with solara.v.ExpansionPanels(
        v_model=opened.value,
        on_v_model=lambda v: opened.set(list(v) if isinstance(v, list) else []),
        multiple=True,
        accordion=True,
        class_="viz-groups",
    ):
        for index, (group, specs) in enumerate(GROUPED):
            changed = sum(1 for s in specs if s.name in values or s.name in errors)
            with solara.v.ExpansionPanel(class_="viz-group"):
                with solara.v.ExpansionPanelHeader(class_="viz-group-header"):
                    note = f" ({len(specs)}; {changed} changed)" if changed else f" ({len(specs)})"
                    solara.Text(group + note)
                with solara.v.ExpansionPanelContent():
                    if index in opened.value:
                        for spec in specs:
                            ParamInput(
                                spec,
                                values.get(spec.name, getattr(base, spec.name)),
                                errors.get(spec.name),
                                on_change,
                            ).key(spec.name)
