"""The version of an installed package, read quickly from its metadata.

This module owns one lookup: :func:`installed_version`, what ``importlib.metadata.version`` gives,
read from the metadata's ``Version:`` header. Results folders record it
(``sim.runs.provenance``) and the compiled step's cache keys include numba's
(``sim.core.dynamics.compiled``) without importing numba.
"""

from __future__ import annotations

import importlib.metadata


def installed_version(name: str) -> str:
    """``importlib.metadata.version(name)``, read from the metadata's ``Version:`` header.

    ``importlib.metadata.version`` parses the whole metadata file as an e-mail message (12 ms
    for the eleven packages on one CPU, 2026-12-06); the header alone is 3.7 ms. Where there is
    no such header among the headers, the standard lookup answers.

    Args:
        name: the distribution's name.

    Raises:
        importlib.metadata.PackageNotFoundError: the package is not installed.
    """
    dist = importlib.metadata.distribution(name)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line:  # the headers end at the first blank line
            break
        if line.startswith("Version:"):
            return line.partition(":")[2].strip()
    return dist.version
