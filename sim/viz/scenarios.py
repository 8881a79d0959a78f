"""The web page's scenario picker: which configs it offers, grouped by what they are.

This module owns the classification of the shipped configs (``sim.core.config.list_scenarios``)
into the picker's groups, declared once in :func:`scenario_kind`:

- a **fragment** is a set of parameter values for other configs to inherit: no file of its
  ``inherits`` chain sets the run's quarters (``configs/behaviour.toml``, the fitted behaviour).
  It is not offered; neither are the files under ``configs/data/`` (not listed at all);
- a **docking** config replaces the members' calibrated anchors with a textbook rule
  (``anchor_mode`` other than ``calibrated``: Richardson's and Olson-Zeckhauser's models);
- a **backcast** starts before the present, the default scenario's first quarter (the run
  replays the record);
- every other config is a **forward** scenario.

The picker's entries are (group, title, file name): a title is the scenario's name in words
("Hegemon strong"); the value the browser sends back is the file name, which
``sim.viz.app.pick_scenario`` checks against this list before opening anything.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sim.core.config import DEFAULT_SCENARIO, Scenario, list_scenarios, load_scenario
from sim.core.errors import UserError
from sim.core.params import parse_quarter
from sim.core.resources import configs_dir
from sim.core.scenario_files import read_toml

FORWARD, BACKCAST, DOCKING, FRAGMENT = "forward", "backcast", "docking", "fragment"
GROUPS: dict[str, str] = {
    FORWARD: "Forward scenarios",
    BACKCAST: "Backcasts",
    DOCKING: "Docking and pattern tests",
}
"""The picker's groups in the order shown (fragments are not shown)."""
PERIOD_KEYS = ("start_quarter", "end_quarter")
CALIBRATED = "calibrated"


def sets_period(scenario: Scenario) -> bool:
    """Whether a file of the scenario's ``inherits`` chain sets its first or last quarter."""
    return any(
        key in read_toml(Path(file)).get("params", {})
        for file in scenario.chain
        for key in PERIOD_KEYS
    )


def scenario_kind(scenario: Scenario, present: float) -> str:
    """What a config is: :data:`FRAGMENT`, :data:`DOCKING`, :data:`BACKCAST` or :data:`FORWARD`.

    Args:
        scenario: the loaded config.
        present: the present in years (the default scenario's first quarter, 2025.0).
    """
    if not sets_period(scenario):
        return FRAGMENT
    if scenario.params.anchor_mode != CALIBRATED:
        return DOCKING
    if parse_quarter(scenario.params.start_quarter) < present:
        return BACKCAST
    return FORWARD


WORDS = {
    "us": "US",
    "nato": "NATO",
    "oz": "Olson-Zeckhauser",
    "nash": "Nash",
    "2pct": "2%",
    "case1": "case I",
    "coldwar": "Cold War",
}
"""Words of scenario names written otherwise in a title."""


def title(name: str) -> str:
    """A scenario's name in words: 'hegemon_strong' -> 'Hegemon strong', 'us_...' -> 'US ...'."""
    words = [WORDS.get(w, w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@functools.cache
def shipped_entries(folder: str = "") -> tuple[tuple[str, str, str, str], ...]:
    """The picker's entries for a folder of configs (default: the shipped ones), once a process.

    Returns:
        (kind, title, file name, path) per config that is not a fragment, in group order and
        by file name within a group. A config that cannot be loaded is left out.
    """
    base = Path(folder) if folder else configs_dir()
    present = parse_quarter(load_scenario(DEFAULT_SCENARIO).params.start_quarter)
    rows = []
    for file, _, _ in list_scenarios(base):
        try:
            scenario = load_scenario(base / file)
        except UserError:
            continue
        kind = scenario_kind(scenario, present)
        if kind != FRAGMENT:
            rows.append((kind, title(scenario.name), file, str(base / file)))
    order = list(GROUPS)
    return tuple(sorted(rows, key=lambda r: (order.index(r[0]), r[2])))


def picker_items(
    entries: tuple[tuple[str, str, str, str], ...], first: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """The Vuetify select's items: a header per group, then its scenarios (text, value).

    Args:
        entries: from :func:`shipped_entries`.
        first: (title, value) of a config opened from elsewhere (``SIM_VIZ_CONFIG``), shown
            first under "Opened".
    """
    items: list[dict[str, Any]] = []
    if first:
        items += [{"header": "Opened"}, {"text": first[0], "value": first[1]}]
    for kind, group in GROUPS.items():
        rows = [e for e in entries if e[0] == kind]
        if rows:
            items.append({"header": group})
            items += [{"text": t, "value": value} for _, t, value, _ in rows]
    return items
