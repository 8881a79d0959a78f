"""The live web page: watch one run of the model quarter by quarter and explore it.

Serve it with ``python -m sim viz [CONFIG]`` (see ``sim.viz.serve``) or ``solara run
sim/viz/app.py``.
The page is built from Mesa's Solara visualisation pieces (``make_plot_component`` for the
plots, Mesa's ``update_counter``/``force_update`` to redraw them each quarter) and the
project's own components (``sim.viz.controls``, ``sim.viz.plots``, ``sim.viz.members``).

Reset, play, pause and step are :func:`RunControls` (``sim.viz.run_controls``), a small version
of Mesa's ``ModelController`` whose play state the page owns (Mesa's keeps it private, so a
scenario picked while playing would keep being stepped by the old play loop) and whose play
timer runs in the browser (:class:`PlayClock`) rather than in a server thread.

Rapid clicks on Step are coalesced: the browser reports which update it has drawn
(``PlayClock.shown``), and while an update is on its way a click only advances the model (about
a millisecond a quarter); the quarters clicked meanwhile are drawn together, once, when the
browser has drawn the previous update. No click is lost or counted twice, and 600 clicks cost
about 600 model steps and a handful of redraws, not 600 redraws (half a minute of a core).

Every browser session gets its own model: :func:`Page` creates it with ``solara.use_memo`` and
keeps it in per-session reactive state, so two tabs never share a run. The scenario picker
loads a config (``sim.core.config.load_scenario``) and restarts the model with its parameters and
seed; the controls override them and take effect at Reset. ``SIM_VIZ_CONFIG`` names the
scenario the page opens with (default ``configs/hague.toml``).

Everything the browser sends is untrusted: the picker opens only the scenarios of its own list
(any other value, such as a path sent by a crafted message, is an in-page message and the model
is kept), and bad values in the controls are messages too (``sim.viz.controls``). Nothing a
browser sends gives a traceback or ends the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from sim.abm.model import AllianceModel
from sim.core.config import DEFAULT_SCENARIO, ConfigError, Scenario, find_config, load_scenario
from sim.core.errors import UserError, shown
from sim.core.params import PARAM_FIELDS, param_label, to_dict
from sim.core.resources import configs_dir
from sim.viz.controls import (
    Checked,
    Controls,
    NumberSlider,
    check,
    initial_values,
)
from sim.viz.export import ExportButtons
from sim.viz.layout import CSS, Section
from sim.viz.member_card import MemberCard
from sim.viz.members import MemberTable, MemberTiles
from sim.viz.plots import Plots, Status
from sim.viz.rival import RivalCard
from sim.viz.run_controls import PLAY_INTERVAL_MS as PLAY_INTERVAL_MS
from sim.viz.run_controls import PLAY_INTERVAL_RANGE as PLAY_INTERVAL_RANGE
from sim.viz.run_controls import STALE_DRAW_S as STALE_DRAW_S
from sim.viz.run_controls import PlayClock as PlayClock
from sim.viz.run_controls import RunControls, play_interval_ms
from sim.viz.scenarios import picker_items, shipped_entries, title

ENV_CONFIG = "SIM_VIZ_CONFIG"
"""Environment variable naming the scenario config the page opens with."""
DEFAULT_CONFIG = configs_dir() / f"{DEFAULT_SCENARIO}.toml"
CONFIG_DIR = configs_dir()
TABS = ("Plots", "Members", "Rival", "Table")
"""The main area's tabs, the plots first."""


def initial_config() -> Path:
    """The config the page opens with: ``$SIM_VIZ_CONFIG`` or the default scenario."""
    value = os.environ.get(ENV_CONFIG, "").strip()
    if not value:
        return DEFAULT_CONFIG
    try:
        return find_config(value).resolve()
    except ConfigError:
        return Path(value)  # open_scenario reports it in the page


def config_choices(first: Path) -> dict[str, str]:
    """Scenario picker entries: value -> config path.

    The shipped scenarios by group, and ``first``, the config the page opened, when it is not
    one of them. Parameter fragments (``configs/behaviour.toml``) and ``configs/data/`` are not
    offered (``sim.viz.scenarios``).
    """
    choices = {value: path for _, _, value, path in shipped_entries()}
    if str(first) not in {str(Path(p).resolve()) for p in choices.values()}:
        choices = {str(first): str(first), **choices}
    return choices


def picker_entries(choices: dict[str, str]) -> list[dict[str, Any]]:
    """The picker's items: the opened config (if not shipped) first, then the groups."""
    shipped = shipped_entries()
    known = {value for _, _, value, _ in shipped}
    extra = next((v for v in choices if v not in known), None)
    first = (title(Path(extra).stem), extra) if extra else None
    return picker_items(shipped, first)


def open_scenario(path: str | Path) -> tuple[Scenario, str | None]:
    """Load a scenario; on a bad config, the default scenario and the error message."""
    try:
        return load_scenario(path), None
    except UserError as err:
        return load_scenario(DEFAULT_CONFIG), f"Could not open {shown(str(path))}: {err}"


def pick_scenario(choices: dict[str, str], label: Any) -> tuple[Scenario | None, str | None]:
    """The scenario the picker's value names, or the message to show instead.

    Only the picker's own entries are opened: a value sent by the browser is compared with
    ``choices`` (label -> config path) and never used as a path, so a crafted message
    (``/etc/passwd``, ``../../x.toml``, a name not in the list) opens nothing.

    Returns:
        (scenario, None), or (None, message) for a value not in the list or a config that
        cannot be loaded.
    """
    if not isinstance(label, str) or label not in choices:
        return None, (
            f"Could not open {shown(repr(label), 80)}: expected one of the scenarios in the list"
        )
    try:
        return load_scenario(choices[label]), None
    except UserError as err:
        return None, f"Could not open {label}: {err}"


def model_kwargs(model: AllianceModel) -> dict[str, Any]:
    """The keyword arguments that rebuild a model (its parameters and seed)."""
    return {"rng": model.seed, **to_dict(model.params)}


def running_text(scenario: Scenario, model: AllianceModel) -> str:
    """One line naming the scenario and seed the running model uses, and what differs.

    Every parameter whose value differs from the scenario's is listed with its label from the
    parameter table and its unit after the value ("US pressure = 0.2 (0-1)").
    """
    changed = "; ".join(
        f"{param_label(n)} = {_shown(n, getattr(model.params, n))}"
        for n in PARAM_FIELDS
        if getattr(model.params, n) != getattr(scenario.params, n)
    )
    tail = f"; changed: {changed}" if changed else "; the scenario's parameters"
    return f"Running: {title(scenario.name)}, seed {model.seed}{tail}"


def _shown(name: str, value: Any) -> str:
    """A parameter's value and, after it, its unit: '0.2 (0-1)'."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} ({PARAM_FIELDS[name].metadata['unit']})"


def reset_kwargs(checked: Checked, model: AllianceModel) -> dict[str, Any]:
    """What Reset rebuilds the model with: the controls if valid, else the current model's."""
    return checked.kwargs() if checked.ok else model_kwargs(model)


@solara.component
def Page():
    """The whole page, with its own model per browser session."""
    start = solara.use_memo(lambda: open_scenario(initial_config()), [])
    choices = solara.use_memo(lambda: config_choices(Path(start[0].path).resolve()), [])
    items = solara.use_memo(lambda: picker_entries(choices), [])
    scenario = solara.use_reactive(start[0])
    config_error = solara.use_reactive(start[1])
    values = solara.use_reactive(initial_values(start[0].params, start[0].seed))
    first_model = solara.use_memo(
        lambda: AllianceModel(rng=start[0].seed, **to_dict(start[0].params)), []
    )
    model = solara.use_reactive(first_model)
    selected = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    refused = solara.use_reactive(0)  # picker values refused so far (remounts the picker)

    checked = check(scenario.value.params, values.value)
    current = model_kwargs(model.value)
    pending = checked.ok and checked.kwargs() != current
    label = next(
        (k for k, p in choices.items() if Path(p).resolve() == Path(scenario.value.path).resolve()),
        scenario.value.path,
    )

    choose = _chooser(choices, scenario, config_error, values, model, playing, refused)
    solara.Title("Alliance arms race: live model")
    solara.Style(CSS)
    with solara.Row(gap="0px", classes=["viz-page"]):
        with solara.Column(gap="6px", classes=["viz-sidebar"]):
            solara.Text("Alliance arms race", style={"font-size": "1.3em", "font-weight": "600"})
            Picker(items, label, choose, scenario.value.description).key(f"picker-{refused.value}")
            RunControls(model, reset_kwargs(checked, model.value), playing, play_interval)
            NumberSlider(
                play_interval_ms(play_interval.value),
                play_interval.set,
                *PLAY_INTERVAL_RANGE,
                50,
                label="Play speed (ms per quarter)",
            )
            Notices(config_error.value, checked.ok, pending)
            Section("Export this run")
            ExportButtons(model.value, scenario.value)
            Section("Parameters (take effect at Reset)")
            Controls(scenario.value.params, model.value.params, values, checked)
            solara.Text(
                "Built with Mesa and Solara.", style={"font-size": "0.75em", "color": "#777"}
            )
        with solara.Column(gap="6px", classes=["viz-main"]):
            solara.Text(
                running_text(scenario.value, model.value),
                classes=["viz-running"],
                style={"font-size": "0.75em", "color": "#555"},
            )
            LiveView(model.value, selected)


@solara.component
def Picker(items: list[dict[str, Any]], value: str, on_value: Any, description: str):
    """The scenario picker (entries in groups: ``picker_entries``) and the description."""
    solara.v.Select(
        label="Scenario",
        items=items,
        v_model=value,
        on_v_model=on_value,
        class_="viz-scenario",
        dense=True,
        hide_details=True,
        menu_props={"maxHeight": 520},
    )
    solara.Text(
        description, classes=["viz-description"], style={"font-size": "0.8em", "color": "#444"}
    )


def _chooser(
    choices: dict[str, str],
    scenario: solara.Reactive[Scenario],
    config_error: solara.Reactive[str | None],
    values: solara.Reactive[dict[str, Any]],
    model: solara.Reactive[AllianceModel],
    playing: solara.Reactive[bool],
    refused: solara.Reactive[int],
) -> Callable[[Any], None]:
    """:func:`Page`'s scenario picker callback: open a listed scenario and restart the model.

    A value not in ``choices`` (``pick_scenario`` refuses it) keeps the model, shows the
    message and counts up ``refused`` (which remounts the picker on the running scenario).
    """

    def choose(new_label: Any) -> None:
        sc, error = pick_scenario(choices, new_label)
        if sc is None:  # keep the model; show the running scenario in the picker again
            config_error.set(error)
            refused.set(refused.value + 1)
            return
        config_error.set(None)
        playing.set(False)
        scenario.set(sc)
        values.set(initial_values(sc.params, sc.seed))
        model.set(AllianceModel(rng=sc.seed, **to_dict(sc.params)))

    return choose


@solara.component
def Notices(config_error: str | None, valid: bool, pending: bool):
    """Messages about the scenario and the controls (one component, so the layout is stable)."""
    with solara.Column(gap="4px"):
        if config_error:
            solara.Error(config_error, classes=["viz-error"])
        if not valid:
            solara.Warning(
                "Some values are invalid (marked below): Reset restarts with the "
                "current model's values until they are fixed.",
                dense=True,
            )
        elif pending:
            solara.Info(
                "Changed values take effect when you press Reset.",
                dense=True,
                classes=["viz-pending"],
            )


@solara.component
def LiveView(model: AllianceModel, selected: solara.Reactive[str | None]):
    """Everything that changes each quarter; the one view that follows ``update_counter``.

    The plots, the members (tiles and card), the rival and the table are tabs; only the tab
    shown is drawn each quarter.
    """
    tick = update_counter.get()
    tab = solara.use_reactive(0)
    Status(model, tick)
    with solara.lab.Tabs(value=tab.value, on_value=tab.set, lazy=True):
        with solara.lab.Tab(TABS[0], classes=["viz-tab-plots"]):
            Plots(model, tick)
        with solara.lab.Tab(TABS[1], classes=["viz-tab-members"]):
            with solara.Div(classes=["viz-members-tab"]):
                MemberTiles(model, selected, tick)
                MemberCard(model, selected, tick)
        with solara.lab.Tab(TABS[2], classes=["viz-tab-rival"]):
            RivalCard(model, tick)
        with solara.lab.Tab(TABS[3], classes=["viz-tab-table"]):
            MemberTable(model, tick)
