"""Where the data and scenarios shipped with the tool are, installed or in a checkout.

This module owns finding ``seeds/`` (the data the model starts from) and ``configs/`` (the
scenario and sweep configs), whatever the current folder. In a built wheel they are package
data inside ``sim`` (``sim/seeds``, ``sim/configs``, mapped there by ``pyproject.toml``) and are
found with :mod:`importlib.resources`; in a source checkout (``pip install -e .``, ``make``)
they are the checkout's top-level ``seeds/`` and ``configs/`` folders.

Relative data paths in parameters (``members_file = "seeds/nato_members.csv"``,
``member_behaviour_file = "configs/data/behaviour_by_member.csv"``) whose first part is
``seeds`` or ``configs`` name these shipped files; any other relative path is relative to the
current folder (or, when it is not there and the package runs from a checkout, to the
checkout's root, where the committed studies keep their files), and an absolute path is used as
it is (:func:`locate`).
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

SHIPPED = ("seeds", "configs")
"""The folders shipped with the package, by the name data paths use for them."""


def _package_dir() -> Path:
    with as_file(files("sim")) as path:  # a real folder for a normal (unzipped) install
        return Path(path)


def checkout_root() -> Path | None:
    """The source checkout the package runs from, or None for an installed wheel.

    A checkout is the folder above ``sim/`` when it holds ``pyproject.toml`` and ``seeds/``.
    """
    root = _package_dir().parent
    if (root / "pyproject.toml").is_file() and (root / "seeds").is_dir():
        return root
    return None


def shipped_dir(name: str) -> Path:
    """The folder of shipped files ``name`` (``"seeds"`` or ``"configs"``).

    Raises:
        ValueError: for another name.
    """
    if name not in SHIPPED:
        raise ValueError(f"shipped folder {name!r}: expected one of {', '.join(SHIPPED)}")
    inside = _package_dir() / name
    if inside.is_dir():
        return inside
    root = checkout_root()
    return (root if root is not None else _package_dir().parent) / name


def seeds_dir() -> Path:
    """The shipped data folder (``seeds/``)."""
    return shipped_dir("seeds")


def configs_dir() -> Path:
    """The shipped scenario configs (``configs/``)."""
    return shipped_dir("configs")


def locate(path: str | Path) -> Path:
    """Resolve a data path: shipped (``seeds/...``, ``configs/...``), absolute, or from here.

    Args:
        path: a path as written in a parameter or on the command line.

    Returns:
        The file's path: under the shipped folder when the first part is ``seeds`` or
        ``configs``, the path itself when absolute, else relative to the current folder (or to
        the checkout's root, when it exists there and not here).
    """
    p = Path(path)
    if p.is_absolute():
        return p
    if p.parts and p.parts[0] in SHIPPED:
        return shipped_dir(p.parts[0]).joinpath(*p.parts[1:])
    here = Path.cwd() / p
    root = checkout_root()
    if not here.exists() and root is not None and (root / p).exists():
        return root / p
    return here
