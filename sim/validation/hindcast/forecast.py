"""A forecast: what every method of the hindcast (the model, each baseline) hands to the scores.

This module owns :class:`Forecast`, an ensemble of annual core shares for the years after an
origin. The model's samples are its replications; a baseline's are draws or quantiles of its
predictive distribution. The scores (``sim.validation.hindcast.scores``) treat every method alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Forecast:
    """An ensemble forecast of annual core shares made at the end of ``origin``.

    Attributes:
        method: the method's name (``model``, ``persistence``, ``trend``, ``partial_adjustment``).
        origin: the last year whose data the method saw.
        years: the forecast years, ``origin + 1`` upward (horizon ``year - origin``).
        iso3: the members, the last axis of ``samples``.
        samples: (S, len(years), len(iso3)) core share of GDP, percent; NaN for a member the
            method does not forecast (no data at the origin).
    """

    method: str
    origin: int
    years: tuple[int, ...]
    iso3: tuple[str, ...]
    samples: np.ndarray

    def __post_init__(self) -> None:
        """Check the shapes and that the years follow the origin."""
        expected = (len(self.years), len(self.iso3))
        if self.samples.ndim != 3 or self.samples.shape[1:] != expected:
            raise ValueError(
                f"{self.method}: samples of shape {self.samples.shape}, expected (S, *{expected})"
            )
        if any(y <= self.origin for y in self.years):
            raise ValueError(
                f"{self.method}: years {self.years} do not follow origin {self.origin}"
            )

    @property
    def horizons(self) -> tuple[int, ...]:
        """Years ahead of the origin, one per forecast year."""
        return tuple(y - self.origin for y in self.years)
