"""Plain names: what a config's ``name`` (and so a default results folder) may be.

This module owns the rule, so that the configs (``sim.core.config``, ``sim.sweep.config``) and
the output folders (``sim.runs.outputs``) share it: one path component of letters, digits, ``-``
and ``_``, so that a name cannot send a default folder outside ``results/``.
"""

from __future__ import annotations

import re

PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
"""A name that is safe as one path component: what a config's ``name`` must match."""
PLAIN_NAME_EXPECTED = "a plain name: letters, digits, - and _ (1-100 characters)"
"""What a config error says is expected of a ``name`` (see :data:`PLAIN_NAME`)."""


def is_plain_name(name: object) -> bool:
    """Whether ``name`` is a plain name (:data:`PLAIN_NAME`): letters, digits, ``-``, ``_``."""
    return isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None
