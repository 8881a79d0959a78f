"""Checks of single values in a sweep config: integers, booleans and tables.

This module owns the small validators shared by the sweep config's parts
(:mod:`sim.sweep.config`, :mod:`sim.sweep.axes`): each returns the value when it is what was
expected and otherwise raises a :class:`sim.core.config.ConfigError` naming the file, the key,
the value and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.core.config import ConfigError


def check_int(path: Path, key: str, value: Any, lo: int, what: str = "") -> int:
    """An integer (not a bool) of at least ``lo``.

    Args:
        path: the config file (for the error).
        key: the value's key (for the error).
        value: the value read from the file.
        lo: the smallest value accepted.
        what: what was expected, for the error (default ``an integer >= lo``).

    Returns:
        The value.

    Raises:
        ConfigError: if the value is not an integer >= ``lo``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ConfigError(path, key, value, what or f"an integer >= {lo}")
    return value


def check_bool(path: Path, key: str, value: Any) -> bool:
    """A boolean.

    Args:
        path: the config file (for the error).
        key: the value's key (for the error).
        value: the value read from the file.

    Returns:
        The value.

    Raises:
        ConfigError: if the value is not ``true`` or ``false``.
    """
    if not isinstance(value, bool):
        raise ConfigError(path, key, value, "true or false")
    return value


def check_table(path: Path, doc: dict, key: str, allowed: tuple[str, ...] | None) -> dict:
    """The table ``doc[key]`` (empty when absent), with only ``allowed`` keys if given.

    Args:
        path: the config file (for the error).
        doc: the parsed config.
        key: the table's key.
        allowed: the keys the table may hold, or None for any.

    Returns:
        The table.

    Raises:
        ConfigError: if ``doc[key]`` is not a table or holds a key not in ``allowed``.
    """
    table = doc.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(path, key, table, "a table")
    if allowed is not None:
        for k in table:
            if k not in allowed:
                raise ConfigError(path, f"{key}.{k}", table[k], f"one of {', '.join(allowed)}")
    return table
