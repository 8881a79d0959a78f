"""Finding and reading config files: a name or path to a file, the file to a TOML table.

This module owns :class:`ConfigError`, the default scenario's name and the file-level checks of a
config: a name that is neither a file nor a shipped scenario, and a file that cannot be read as
TOML at all (a folder, a broken link, no permission, a name too long, bytes that are not UTF-8)
give one line naming the file. What the table holds is checked by ``sim.core.config``.
"""

from __future__ import annotations

import errno
import tomllib
from pathlib import Path
from typing import Any

from sim.core.errors import UserError, shown
from sim.core.resources import SHIPPED, configs_dir, locate

DEFAULT_SCENARIO = "hague"
"""The default scenario: ``sim run`` without a config, the web page's first scenario (declared
here, light to import, so that the command line names it without loading the model)."""


class ConfigError(ValueError, UserError):
    """A config file is missing, malformed or holds an invalid value."""

    def __init__(self, path: Path | str, key: str, value: Any, expected: str) -> None:
        self.path, self.key, self.value, self.expected = str(path), key, value, expected
        super().__init__(
            f"{shown(str(path))}: key '{shown(key)}' = {shown(repr(value))}: "
            f"expected {shown(expected, None)}"
        )


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
    if not str(path).strip():  # Path("") is the current folder
        raise ConfigError(
            "(command line)",
            "(file)",
            str(path),
            "a config file or the name of "
            "a shipped scenario (listed by `sim scenarios`), not an empty name",
        )
    p = Path(path)
    try:
        if p.is_file():
            return p
        if not p.is_absolute():
            candidates = [locate(p)] if p.parts[0] in SHIPPED else []
            name = p if p.suffix == ".toml" else p.with_name(p.name + ".toml")
            candidates.append(configs_dir() / name)
            for candidate in candidates:
                if candidate.is_file():
                    return candidate
        problem = not_a_file(p)
    except (OSError, ValueError) as err:  # a name too long, a NUL byte in it
        raise ConfigError(
            path, "(file)", str(path), f"a usable file name ({os_reason(err)})"
        ) from None
    if problem:
        raise ConfigError(path, "(file)", str(path), f"a TOML file, not {problem}")
    raise ConfigError(
        path,
        "(file)",
        str(path),
        "an existing TOML file or the name of a shipped scenario (listed by `sim scenarios`)",
    )


def os_reason(err: BaseException) -> str:
    """The reason of an OSError without its file name (the message names the file once)."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err)


def not_a_file(path: Path) -> str | None:
    """What a path that is not a regular file is instead (None when it does not exist)."""
    if path.is_dir():
        return "a folder"
    if path.is_symlink():
        return "a broken symbolic link (a loop, or a link to nothing)"
    if path.exists():
        return "a regular file (a device, a pipe or a socket)"
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file as data.

    Args:
        path: the file.

    Returns:
        Its top-level table.

    Raises:
        ConfigError: naming the file for anything that stops it being read as TOML: it is
            missing or not a regular file, it cannot be read (permissions, a name too long, a
            symbolic link loop), it is not UTF-8 text (a binary file), its syntax is invalid, or
            it nests tables or arrays too deeply for the parser.
    """
    try:
        if not path.is_file():
            problem = not_a_file(path)
            raise ConfigError(
                path,
                "(file)",
                str(path),
                f"a TOML file, not {problem}" if problem else "an existing TOML file",
            )
        with path.open("rb") as fh:
            text = fh.read().decode("utf-8")
        return tomllib.loads(text)
    except (OSError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        if isinstance(err, UnicodeDecodeError):
            raise ConfigError(
                path,
                "(encoding)",
                f"byte 0x{err.object[err.start]:02x} at offset {err.start}",
                "UTF-8 text (a TOML file; is this a binary file?)",
            ) from None
        if isinstance(err, tomllib.TOMLDecodeError):
            raise ConfigError(path, "(syntax)", str(err), "valid TOML") from None
        if isinstance(err, OSError) and err.errno == errno.ENOENT:
            raise ConfigError(path, "(file)", str(path), "an existing TOML file") from None
        raise ConfigError(
            path, "(file)", str(path), f"a readable TOML file ({os_reason(err)})"
        ) from None
    except RecursionError:
        raise ConfigError(
            path,
            "(syntax)",
            "tables or arrays nested too deeply",
            "valid TOML nested a few levels deep",
        ) from None
