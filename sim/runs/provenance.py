"""Provenance for manifests: package versions and the code's git revision.

This module owns what every results folder records about how it was made. How a results folder
is written (whole or not at all, one writer, never over something else) is ``sim.runs.outputs``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import subprocess

from sim.core.installed import installed_version
from sim.core.resources import checkout_root

PACKAGES = (
    "alliance-arms-race-sim",
    "numpy",
    "pandas",
    "pyarrow",
    "mesa",
    "scipy",
    "matplotlib",
    "SALib",
    "dask",
    "distributed",
    "solara",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages results depend on.

    Looked up once a process (a sweep writes its manifest twice): the code a process runs is
    what it imported.
    """
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = installed_version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> dict[str, str | bool]:
    """The project's git commit and whether the work tree had uncommitted changes.

    An installed wheel has no git checkout: its commit is ``"installed"`` and the package's
    version (in :func:`package_versions`) identifies the code. Asked of git once a process, as
    the versions are (a sweep writes its manifest twice; git took 3-4 ms a call here).
    """
    return dict(_revision())


@functools.cache
def _revision() -> dict[str, str | bool]:
    root = checkout_root()
    if root is None:
        return {"commit": "installed", "dirty": False}
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
            != ""
        )
        return {"commit": rev, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}
