"""Scenario configs: TOML files read as data, with inheritance and overrides.

This module owns reading a scenario config into a :class:`Scenario`. A config is a TOML file::

    name = "hague"                      # optional; defaults to the file's stem
    description = "one line shown by `python -m sim scenarios`"
    inherits = "base.toml"              # optional: next to this file, else a shipped scenario
    seed = 20250625                     # optional default seed

    [params]                            # any parameter of sim.params.Params
    target_core_pct_gdp = 3.5

A child's ``[params]`` override its parent's. ``inherits`` names a file relative to the child's
folder; when there is none there, a scenario shipped with the tool (``configs/``, see
``sim.resources``), so a user's own config anywhere can start from ``inherits = "hague.toml"``.
A config given by name (``hague`` or ``hague.toml``) that is not a file in the current folder is
the shipped scenario of that name. Nothing in a config is executed. Every problem
(unknown key, wrong type, impossible value, missing file, inheritance cycle) is a
:class:`ConfigError` naming the file, the key, the value and what was expected.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.data import DataError
from sim.errors import UserError
from sim.params import ParamError, Params, make_params
from sim.resources import SHIPPED, configs_dir, locate

TOP_LEVEL_KEYS = ("name", "description", "inherits", "seed", "params")
DEFAULT_SCENARIO = "hague"
"""The default scenario: ``sim run`` without a config, the web page's first scenario."""
DEFAULT_SEED = 20250625
"""Seed used when neither the config nor the command line gives one (the Hague summit's date)."""


class ConfigError(ValueError, UserError):
    """A config file is missing, malformed or holds an invalid value."""

    def __init__(self, path: Path | str, key: str, value: Any, expected: str) -> None:
        self.path, self.key, self.value, self.expected = str(path), key, value, expected
        super().__init__(f"{path}: key '{key}' = {value!r}: expected {expected}")


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


def find_config(path: str | Path) -> Path:
    """The config file a path or a scenario name names.

    Args:
        path: a TOML file (absolute or from the current folder), a shipped scenario's name
            (``hague``), file name (``hague.toml``) or path (``configs/hague.toml``).

    Returns:
        The existing file.

    Raises:
        ConfigError: when it names neither a file nor a shipped scenario.
    """
    p = Path(path)
    if p.is_file():
        return p
    if str(path).strip() and not p.is_absolute():
        candidates = [locate(p)] if p.parts[0] in SHIPPED else []
        name = p if p.suffix == ".toml" else p.with_name(p.name + ".toml")
        candidates.append(configs_dir() / name)
        for candidate in candidates:
            if candidate.is_file():
                return candidate
    raise ConfigError(path, "(file)", str(path), "an existing TOML file or the name of a "
                      "shipped scenario (listed by `sim scenarios`)")


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(path, "(file)", str(path), "an existing TOML file")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, "(syntax)", str(err), "valid TOML") from None


def _raw_params(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, dict, tuple[str, ...]]:
    """Return (merged params, this file's top-level table, chain) following ``inherits``."""
    path = path.resolve()
    if path in seen:
        raise ConfigError(path, "inherits", str(path), "no inheritance cycle")
    doc = _read_toml(path)
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(path, key, doc[key], f"one of {', '.join(TOP_LEVEL_KEYS)} "
                              "(parameters go in the [params] table)")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(path, "params", params, "a table of parameter = value")
    merged: dict[str, Any] = {}
    chain: tuple[str, ...] = ()
    if "inherits" in doc:
        parent = doc["inherits"]
        if not isinstance(parent, str):
            raise ConfigError(path, "inherits", parent, "a file name (string)")
        parent_path = path.parent / parent
        if not parent_path.is_file() and (configs_dir() / parent).is_file():
            parent_path = configs_dir() / parent
        if not parent_path.is_file():
            raise ConfigError(path, "inherits", parent, "an existing config file next to "
                              f"{path.name} or a shipped scenario (`sim scenarios`)")
        merged, _, chain = _raw_params(parent_path, (*seen, path))
    merged.update(params)
    return merged, doc, (str(path), *chain)


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None,
                  seed: int | None = None) -> Scenario:
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
    path = find_config(path)
    merged, doc, chain = _raw_params(path)
    label = str(path)
    try:
        params = make_params(merged)
    except ParamError as err:
        origin = _origin(err.key, chain)
        raise ConfigError(origin, f"params.{err.key}", err.value, err.expected) from None
    if overrides:
        try:
            params = make_params(overrides, base=params)
        except ParamError as err:
            raise ConfigError("--set", err.key, err.value, err.expected) from None
    try:
        from sim.ensemble import members_of

        members_of(params)
    except DataError as err:
        raise ConfigError(label, "params.members_file", params.members_file,
                          f"a readable member table ({err})") from None
    config_seed = doc.get("seed", DEFAULT_SEED)
    if isinstance(config_seed, bool) or not isinstance(config_seed, int) or config_seed < 0:
        raise ConfigError(label, "seed", config_seed, "a non-negative integer")
    if seed is not None and (seed < 0):
        raise ConfigError("--seed", "seed", seed, "a non-negative integer")
    name = doc.get("name", path.stem)
    description = doc.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise ConfigError(label, key, value, "a string")
    return Scenario(name, description, label, params, seed if seed is not None else config_seed,
                    chain)


def _origin(key: str, chain: tuple[str, ...]) -> str:
    """The file of the chain (child first) that sets a parameter, for error messages."""
    for file in chain:
        doc = _read_toml(Path(file))
        if key in doc.get("params", {}):
            return file
    return chain[0]


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings from the command line (values as TOML literals or strings).

    Raises:
        ConfigError: for an item without '='.
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError("--set", item, item, "KEY=VALUE")
        key, text = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out[key.strip()] = value
    return out


def list_scenarios(folder: str | Path | None = None) -> list[tuple[str, str, str]]:
    """Return (file name, scenario name, description) for every config in a folder.

    Args:
        folder: a folder of configs (default: the shipped scenarios).

    Raises:
        ConfigError: if the folder does not exist.
    """
    base = configs_dir() if folder is None else locate(folder)
    if not base.is_dir():
        raise ConfigError(folder, "--folder", str(folder), "an existing folder of configs")
    rows = []
    for file in sorted(base.glob("*.toml")):
        doc = _read_toml(file)
        rows.append((file.name, doc.get("name", file.stem), doc.get("description", "")))
    return rows
