"""The report's colours: one colour per level of the ``--by`` axis, per regime, per target line.

This module owns every colour a report's figures use, so that one quantity or level has one
colour in all of them (issue 18: the same level drawn in the same colour in the outcomes, the
paired differences over time and the time-to-target figures). The colours are Okabe-Ito's
colour-blind-safe palette (``sim.runs.figure.OKABE_ITO``); the target lines keep their colours
of ``sim.runs.figure.LINES``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sim.runs.figure import OKABE_ITO

ARM_COLOURS = (OKABE_ITO[5], OKABE_ITO[6], OKABE_ITO[3], OKABE_ITO[7], OKABE_ITO[1], OKABE_ITO[2])
"""The colours of the levels (arms) in order: blue, vermillion, bluish green, reddish purple,
orange, sky blue."""
MAX_LEVELS = len(ARM_COLOURS)
"""The most levels a figure draws as separate lines (one distinct colour each)."""
REGIME_COLOURS = {
    "rival_exhausted": OKABE_ITO[5],  # blue
    "escalates": OKABE_ITO[6],  # vermillion
    "alliance_fatigue": OKABE_ITO[1],  # orange
    "settles": OKABE_ITO[3],  # bluish green
    "builds_up": OKABE_ITO[2],  # sky blue
    "drifts": OKABE_ITO[4],  # yellow
}
"""One Okabe-Ito colour per regime (distinct for the common colour-vision deficiencies)."""
NEUTRAL = "0.3"
"""Zero lines and other marks that are no level."""
UNPAIRED = "0.75"
"""The unpaired (Welch) interval drawn behind a paired one."""


def arm_colour(i: int) -> str:
    """The colour of the i-th level (arm), cycling after :data:`MAX_LEVELS`."""
    return ARM_COLOURS[i % len(ARM_COLOURS)]


def level_colours(levels: Sequence[Hashable]) -> dict[Hashable, str]:
    """The colour of each level, in the order given (the same levels get the same colours)."""
    return {level: arm_colour(i) for i, level in enumerate(levels)}
