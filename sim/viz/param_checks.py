"""Checks the web page adds to a parameter's own: files it may open and a run's structure.

This module owns two rules for values a browser sends (``sim.viz.controls.check`` applies
them after the parameter table's own checks):

- a parameter naming a file (:data:`FILE_PARAMS`) may be empty (where the table allows it), keep
  the scenario's value, or name a file under the shipped folders (``seeds/``, ``configs/``);
  the page opens no other file, so a browser cannot make the server read (or report on) an
  arbitrary path;
- a change of a structural parameter (``sim.core.params.STRUCTURAL``: quarters, members, data
  files, the backcast run first) is tried by building the run's structure
  (``sim.core.dynamics.build_static``), so a member table without a column or a backcast that
  does not end before the first quarter is a message, not an error at Reset.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath
from typing import Any

from sim.core import dynamics
from sim.core.errors import UserError, shown
from sim.core.members import members_of
from sim.core.params import STRUCTURAL, Params, param_label
from sim.core.resources import SHIPPED

FILE_PARAMS = ("members_file", "region_behaviour_file", "member_behaviour_file", "history_config")
"""Parameters whose value names a file."""
FILE_EXPECTED = "a file under " + " or ".join(f"{d}/" for d in SHIPPED) + " (or the scenario's)"


def file_error(name: str, value: Any, current: Any) -> str | None:
    """What is wrong with a file parameter's value from the browser (None: nothing, or no file).

    Args:
        name: the parameter.
        value: the value entered.
        current: the scenario's value (always allowed).
    """
    if name not in FILE_PARAMS or not isinstance(value, str) or value in ("", current):
        return None
    parts = PurePosixPath(value).parts
    if len(parts) < 2 or parts[0] not in SHIPPED or ".." in parts or "\\" in value:
        return FILE_EXPECTED
    return None


def structure_error(params: Params, base: Params) -> tuple[str, str] | None:
    """(parameter, message) when changed structural values cannot start a run; else None."""
    changed = tuple(n for n in STRUCTURAL if getattr(params, n) != getattr(base, n))
    if not changed:
        return None
    return _try_structure(params, changed)


@functools.lru_cache(maxsize=32)
def _try_structure(params: Params, changed: tuple[str, ...]) -> tuple[str, str] | None:
    try:
        dynamics.build_static(params, members_of(params))
    except UserError as err:
        key = getattr(err, "key", "")
        name = key if key in changed else changed[0]
        return name, f"{param_label(name)}: {shown(str(err), 240)}"
    return None
