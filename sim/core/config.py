"""Scenario configs: TOML files read as data, with inheritance and overrides.

This module owns reading a scenario config into a :class:`Scenario`. A config is a TOML file::

    name = "hague"                      # optional, default the file's stem; a plain name
    description = "one line shown by `python -m sim scenarios`"
    inherits = "base.toml"              # optional: next to this file, else a shipped scenario
    seed = 20250625                     # optional default seed

    [params]                            # any parameter of sim.core.params.Params
    target_core_pct_gdp = 3.5

A child's ``[params]`` override its parent's. ``inherits`` names a file relative to the child's
folder; when there is none there, a scenario shipped with the tool (``configs/``, see
``sim.core.resources``), so a user's own config anywhere can start from ``inherits = "hague.toml"``.
A config given by name (``hague`` or ``hague.toml``) that is not a file in the current folder is
the shipped scenario of that name. Nothing in a config is executed. Every problem
(unknown key, wrong type, impossible value, missing file, inheritance cycle) is a
:class:`ConfigError` naming the file, the key, the value and what was expected; so is a config
with neither ``inherits`` nor ``[params]`` (an empty file would otherwise run the defaults
silently), an ``inherits`` chain of more than :data:`MAX_INHERITS` files, and a file that cannot
be read as TOML at all (a folder, a broken link, no permission, a name too long, bytes that are
not UTF-8: :func:`read_toml`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.data import DataError
from sim.core.errors import UserError, shown
from sim.core.members import members_of
from sim.core.names import PLAIN_NAME_EXPECTED, is_plain_name
from sim.core.params import (  # noqa: F401 - MAX_SEED re-exported
    MAX_SEED,
    ParamError,
    Params,
    make_params,
    parse_quarter,
)
from sim.core.resources import configs_dir, locate
from sim.core.scenario_files import DEFAULT_SCENARIO as DEFAULT_SCENARIO  # re-exported
from sim.core.scenario_files import ConfigError, find_config, not_a_file, os_reason, read_toml

TOP_LEVEL_KEYS = ("name", "description", "inherits", "seed", "params")
SWEEP_KEYS = ("scenario", "axes", "design", "replications")
"""Top-level keys of a sweep config (``sim.sweep.config``): a file with one of them and neither
``inherits`` nor ``[params]`` is a sweep config given where a scenario was expected."""
DEFAULT_SEED = 20250625
"""Seed used when neither the config nor the command line gives one (the Hague summit's date)."""
"""The largest seed: seeds are stored as 64-bit signed integers (manifests, sweep tables)."""
MAX_INHERITS = 32
"""The most files an ``inherits`` chain may have (the config itself included)."""
FILE_PARAMS = {
    "members_file": "member table",
    "region_behaviour_file": "table of region multipliers",
    "member_behaviour_file": "table of member multipliers",
}
"""Parameters that name a data file -> what the file holds (for error messages)."""


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: its name, description, source file, parameters and seed."""

    name: str
    description: str
    path: str
    params: Params
    seed: int
    chain: tuple[str, ...]
    """The files read, child first."""


def _check_top_level(path: Path, doc: dict[str, Any]) -> None:
    """Check one config file's top-level keys (not the parameters: see :func:`load_scenario`)."""
    sweep_keys = [k for k in SWEEP_KEYS if k in doc]
    if sweep_keys and "params" not in doc and "inherits" not in doc:
        raise ConfigError(
            path,
            sweep_keys[0],
            doc[sweep_keys[0]] if sweep_keys[0] == "scenario" else "...",
            "a scenario config (this is a sweep config: run it with `python -m sim sweep "
            f"{path}`; configs/sweeps/README.md)",
        )
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(
                path,
                key,
                doc[key],
                f"one of {', '.join(TOP_LEVEL_KEYS)} (parameters go in the [params] table)",
            )
    if "inherits" not in doc and "params" not in doc:
        raise ConfigError(
            path,
            "(config)",
            "an empty config" if not doc else "no `inherits` and no [params]",
            "at least `inherits` or a [params] "
            "table (write an empty [params] table to run the parameter table's "
            "defaults)",
        )
    if not isinstance(doc.get("params", {}), dict):
        raise ConfigError(path, "params", doc["params"], "a table of parameter = value")
    if "seed" in doc:
        check_seed(doc["seed"], path)
    if not isinstance(doc.get("description", ""), str):
        raise ConfigError(path, "description", doc["description"], "a string")


def check_seed(seed: Any, where: Path | str = "--seed") -> int:
    """Check a seed: an integer from 0 to :data:`MAX_SEED`.

    Args:
        seed: the seed.
        where: the file (or option) that gave it, for the message.

    Returns:
        The seed.

    Raises:
        ConfigError: for a bool, a float, a string, a negative or a too large number.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(where, "seed", seed, f"an integer from 0 to {MAX_SEED} (2**63 - 1)")
    return seed


def _parent(child: Path, inherits: Any) -> Path:
    """The file a config's ``inherits`` names: next to it, else a shipped scenario."""
    if not isinstance(inherits, str) or not inherits.strip():
        raise ConfigError(child, "inherits", inherits, "a file name (string)")
    try:
        parent = child.parent / inherits
        if not parent.is_file() and (configs_dir() / inherits).is_file():
            parent = configs_dir() / inherits
        if parent.is_file():
            return parent
        problem = not_a_file(parent)
    except (OSError, ValueError) as err:
        raise ConfigError(
            child, "inherits", inherits, f"a usable file name ({os_reason(err)})"
        ) from None
    if problem:
        raise ConfigError(child, "inherits", inherits, f"a config file, not {problem}")
    raise ConfigError(
        child,
        "inherits",
        inherits,
        f"an existing config file next to {child.name} or a shipped scenario (`sim scenarios`)",
    )


def _read_chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """A config and the files it inherits from, child first, with their top-level tables.

    ``inherits`` is followed in a loop, never by recursion, for at most :data:`MAX_INHERITS`
    files, so a long or cyclic chain is a :class:`ConfigError`, never a ``RecursionError``.
    """
    chain: list[tuple[Path, dict[str, Any]]] = []
    current = path
    while True:
        try:
            current = current.resolve()
        except (OSError, RuntimeError) as err:  # RuntimeError: a symbolic link loop (3.12)
            raise ConfigError(
                current, "(file)", str(current), f"a file name that resolves ({os_reason(err)})"
            ) from None
        if chain and any(current == file for file, _ in chain):
            child, doc = chain[-1]
            files = " -> ".join(file.name for file, _ in chain)
            raise ConfigError(
                child,
                "inherits",
                doc["inherits"],
                f"no inheritance cycle ({files} -> {current.name})",
            )
        if len(chain) == MAX_INHERITS:
            child, doc = chain[-1]
            raise ConfigError(
                child,
                "inherits",
                doc["inherits"],
                f"at most {MAX_INHERITS} files in an inheritance chain (this is "
                f"file {MAX_INHERITS} of the chain starting at {shown(str(path))})",
            )
        doc = read_toml(current)
        _check_top_level(current, doc)
        chain.append((current, doc))
        if "inherits" not in doc:
            return chain
        current = _parent(current, doc["inherits"])


def load_scenario(
    path: str | Path, *, overrides: dict[str, Any] | None = None, seed: int | None = None
) -> Scenario:
    """Read, merge and validate a scenario config.

    Args:
        path: the TOML file, or a shipped scenario's name (see :func:`find_config`).
        overrides: parameter values that replace the config's (e.g. from ``--set``).
        seed: a seed that replaces the config's.

    Returns:
        The validated scenario.

    Raises:
        ConfigError: on any problem, naming the file, key, value and what was expected.
    """
    if seed is not None:
        check_seed(seed, "--seed")
    path = find_config(path)
    files = _read_chain(path)
    doc = files[0][1]
    merged: dict[str, Any] = {}
    for _, file_doc in reversed(files):  # the root first, so a child's values win
        merged.update(file_doc.get("params", {}))
    label = str(path)
    try:
        params = make_params(merged)
    except ParamError as err:
        origin = _origin(err.key, files)
        raise ConfigError(origin, f"params.{err.key}", err.value, err.expected) from None
    if overrides:
        try:
            params = make_params(overrides, base=params)
        except ParamError as err:
            raise ConfigError("--set", err.key, err.value, err.expected) from None
    try:
        members_of(params)
    except DataError as err:
        _data_error(err, params, files, overrides or {})
    if params.history_config:
        _check_history(params, files, overrides or {})
    config_seed = doc.get("seed", DEFAULT_SEED)
    chain = tuple(str(file) for file, _ in files)
    name = doc.get("name", path.stem)
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(label, "description", description, "a string")
    if not is_plain_name(name):  # it names the default results folder: no path, no escape
        raise ConfigError(
            label,
            "name",
            name,
            PLAIN_NAME_EXPECTED
            + ("" if "name" in doc else "; without a `name` key, the file's name gives it"),
        )
    return Scenario(
        name, description, label, params, seed if seed is not None else config_seed, chain
    )


def _origin(key: str, files: list[tuple[Path, dict[str, Any]]]) -> str:
    """The file of the chain (child first) that sets a parameter, for error messages."""
    for file, doc in files:
        if key in doc.get("params", {}):
            return str(file)
    return str(files[0][0])


def _data_error(
    err: DataError,
    params: Params,
    files: list[tuple[Path, dict[str, Any]]],
    overrides: dict[str, Any],
) -> None:
    """Raise a data file's error as a config error naming the parameter that names the file.

    The parameter is the one of :data:`FILE_PARAMS` whose file is the failing one, reported
    where it was set (``--set`` or the config file that sets it). A failing file that no
    parameter names (the shipped exposures or pledges) keeps its own :class:`DataError`.
    """
    failing = _same_file_key(Path(err.path))
    for key, what in FILE_PARAMS.items():
        value = getattr(params, key)
        if value and _same_file_key(locate(value)) == failing:
            where = "--set" if key in overrides else _origin(key, files)
            shown_key = key if where == "--set" else f"params.{key}"
            raise ConfigError(where, shown_key, value, f"a readable {what} ({err})") from None
    raise err from None


class HistoryError(ValueError, UserError):
    """A ``history_config`` that cannot start the scenario: its value and what was expected."""

    def __init__(self, value: str, expected: str) -> None:
        self.key, self.value, self.expected = "history_config", value, expected
        super().__init__(f"key 'history_config' = {value!r}: expected {expected}")


def backcast_of(params: Params) -> Params:
    """The parameters of the backcast a scenario's ``history_config`` names, checked.

    The backcast is read as any config (``seeds/`` and ``configs/`` paths are the shipped ones);
    ``sim.core.dynamics.history`` runs it before the scenario.

    Raises:
        HistoryError: the config cannot be read, has a history of its own, or does not end in
            the quarter before the scenario's first.
    """
    path = params.history_config
    try:
        backcast = load_scenario(locate(path)).params
    except ConfigError as err:
        raise HistoryError(path, f"a readable backcast config ({err})") from None
    if backcast.history_config:
        raise HistoryError(
            path,
            f"a backcast with no history_config of its own (it has {backcast.history_config!r})",
        )
    quarters = round(
        4 * (parse_quarter(params.start_quarter) - parse_quarter(backcast.end_quarter))
    )
    if quarters != 1:
        raise HistoryError(
            path,
            f"a backcast ending in the quarter before start_quarter {params.start_quarter} (it "
            f"ends in {backcast.end_quarter}; history_config = '' starts from rest points)",
        )
    return backcast


def _check_history(
    params: Params, files: list[tuple[Path, dict[str, Any]]], overrides: dict[str, Any]
) -> None:
    """Raise a history that cannot start the scenario as a config error where it was set."""
    try:
        backcast_of(params)
    except HistoryError as err:
        set_here = "history_config" in overrides
        where = "--set" if set_here else _origin("history_config", files)
        key = "history_config" if set_here else "params.history_config"
        raise ConfigError(where, key, err.value, err.expected) from None


def _same_file_key(path: Path) -> str:
    """A path in a form that compares equal for the same file (absolute, links resolved)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path.absolute())


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings from the command line (values as TOML literals or strings).

    Raises:
        ConfigError: for an item without '=' or without a key, or a value nested too deeply.
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise ConfigError("--set", item, item, "KEY=VALUE")
        key, text = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        except RecursionError:
            raise ConfigError(
                "--set", key.strip(), text, "a value nested a few levels deep"
            ) from None
        out[key.strip()] = value
    return out


def list_scenarios(folder: str | Path | None = None) -> list[tuple[str, str, str]]:
    """Return (file name, scenario name, description) for every config in a folder.

    Args:
        folder: a folder of configs (default: the shipped scenarios).

    Raises:
        ConfigError: if the folder does not exist or cannot be listed, or a config in it cannot
            be read as TOML (see :func:`read_toml`).
    """
    try:
        base = configs_dir() if folder is None else locate(folder)
        if not base.is_dir():
            raise ConfigError(folder, "--folder", str(folder), "an existing folder of configs")
        files = sorted(base.glob("*.toml"))
    except (OSError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(
            folder, "--folder", str(folder), f"a readable folder of configs ({os_reason(err)})"
        ) from None
    rows = []
    for file in files:
        doc = read_toml(file)
        rows.append((file.name, doc.get("name", file.stem), doc.get("description", "")))
    return rows
