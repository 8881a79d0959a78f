"""Provenance for manifests: package versions, the code's git revision, atomic folder writes.

This module owns what every results folder records about how it was made, and the rule that a
results folder appears whole or not at all (:func:`atomic_folder`).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.resources import checkout_root

PACKAGES = ("alliance-arms-race-sim", "numpy", "pandas", "pyarrow", "mesa", "scipy",
            "matplotlib", "SALib", "dask", "distributed", "solara")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages results depend on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> dict[str, str | bool]:
    """The project's git commit and whether the work tree had uncommitted changes.

    An installed wheel has no git checkout: its commit is ``"installed"`` and the package's
    version (in :func:`package_versions`) identifies the code.
    """
    root = checkout_root()
    if root is None:
        return {"commit": "installed", "dirty": False}
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=5,
                               check=True).stdout.strip() != ""
        return {"commit": rev, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}


@contextlib.contextmanager
def atomic_folder(out: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Write a results folder in a temporary sibling and move it into place at the end.

    Yields the temporary folder. If the body raises, nothing is left behind. An existing
    ``out`` is an error unless ``overwrite`` is true, and is only replaced once the new
    folder is complete.

    Raises:
        FileExistsError: if ``out`` exists and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists: choose another --out or pass --overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
