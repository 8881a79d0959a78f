"""The priors of the Bayesian calibration, one per coordinate of the calibration's search space.

This module owns :class:`Prior`: the joint prior of the search vector of ``python -m sim
calibrate`` (``sim.validation.search_space``), independent across coordinates:

- **pooled parameters**: uniform over the bounds the point calibration searches
  (``search_space.POOLED``), which lie inside each parameter's range in the parameter table
  (``sim.core.params``; docs/PARAMETERS.md gives the range and its source). A uniform prior says
  only what the range says.
- **region log multipliers** of the threat sensitivity: normal with mean 0 (a region behaves as
  the pooled parameter says) and standard deviation :data:`REGION_SD`, truncated to
  ``search_space.LOG_MULTIPLIER_BOUNDS``: the Gaussian reading of the point fit's ridge
  (``sim.validation.loss.PRIOR_WEIGHT``), as the member's below.
- **member log multipliers**: normal with mean 0 (a member behaves as its region) and standard
  deviation :data:`MEMBER_SD`, truncated the same way: the reading of the member ridge documented
  in ``sim.validation.loss.MEMBER_PRIOR_WEIGHT`` (an assumption, range 0.5-2).

Draws and densities are vectorised over rows (S, D); a vector outside the bounds has density 0.
The maps to and from the sampler's unbounded scale take their ``exp`` and ``log`` from
``sim.validation.posterior.exact`` (the same bits on every CPU); the draws and densities on the
bounded scale are scipy.stats'.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.validation.posterior import exact
from sim.validation.search_space import Coordinate

RESIDUAL_VARIANCE_PP2 = 0.06
"""The share residuals' variance at the point fit, pp^2 (``sim.validation.loss``: about 0.06)."""
MEMBER_YEARS = 310
"""Member-years NATO's table gives for 2015-2024 (``sim.validation.loss.MEMBER_PRIOR_WEIGHT``)."""
MEMBER_SD = 1.0
"""Prior s.d. of a member's log multiplier: sqrt(0.06 / (310 x 0.0002)) = 0.98, rounded
(``sim.validation.loss.MEMBER_PRIOR_WEIGHT``; an assumption, range 0.5-2)."""
REGION_SD = round(math.sqrt(RESIDUAL_VARIANCE_PP2 / (MEMBER_YEARS * 0.002)), 2)
"""Prior s.d. of a region's log multiplier: sqrt(0.06 / (310 x 0.002)) = 0.31, the same reading
of the region ridge (``sim.validation.loss.PRIOR_WEIGHT`` = 0.002)."""


@dataclass(frozen=True)
class Prior:
    """Independent priors over the coordinates of a search vector (see the module's docstring)."""

    coords: tuple[Coordinate, ...]

    @property
    def lower(self) -> np.ndarray:
        """Each coordinate's lower bound."""
        return np.array([c.lo for c in self.coords])

    @property
    def upper(self) -> np.ndarray:
        """Each coordinate's upper bound."""
        return np.array([c.hi for c in self.coords])

    @property
    def sd(self) -> np.ndarray:
        """Each coordinate's untruncated Gaussian s.d. (NaN for a uniform coordinate)."""
        table = {"pooled": math.nan, "region": REGION_SD, "member": MEMBER_SD}
        return np.array([table[c.level] for c in self.coords])

    @functools.cached_property
    def _distributions(self) -> list:
        """One frozen scipy distribution per coordinate (built once)."""
        out = []
        for c, sd in zip(self.coords, self.sd, strict=True):
            if c.level == "pooled":
                out.append(stats.uniform(c.lo, c.hi - c.lo))
            else:
                out.append(stats.truncnorm(c.lo / sd, c.hi / sd, loc=0.0, scale=sd))
        return out

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent draws (n, D), column by column from ``rng``."""
        return np.column_stack([d.rvs(size=n, random_state=rng) for d in self._distributions])

    def inside(self, xs: np.ndarray) -> np.ndarray:
        """Whether each row of ``xs`` lies within the bounds (where the density is positive)."""
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        return np.all((xs >= self.lower) & (xs <= self.upper), axis=1)

    def log_density(self, xs: np.ndarray) -> np.ndarray:
        """The joint log density of each row of ``xs`` (S,); -inf outside the bounds."""
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        inside = self.inside(xs)
        total = np.zeros(len(xs))
        for j, d in enumerate(self._distributions):
            total += d.logpdf(np.clip(xs[:, j], self.lower[j], self.upper[j]))
        return np.where(inside, total, -np.inf)

    def to_unbounded(self, xs: np.ndarray) -> np.ndarray:
        """Each coordinate mapped from its bounds onto the line: ``logit((x - lo) / (hi - lo))``."""
        u = (np.asarray(xs, dtype=float) - self.lower) / (self.upper - self.lower)
        u = np.clip(u, 1e-12, 1.0 - 1e-12)
        return exact.log(u) - exact.log1p(-u)

    def from_unbounded(self, zs: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_unbounded`: every row lies within the bounds."""
        return self.lower + (self.upper - self.lower) / (1.0 + exact.exp(-np.asarray(zs)))

    def log_density_unbounded(self, zs: np.ndarray) -> np.ndarray:
        """The prior's log density on the unbounded scale: at ``x(z)`` plus log |dx/dz|.

        ``dx/dz = (hi - lo) u (1 - u)`` with ``u = 1 / (1 + exp(-z))``.
        """
        zs = np.atleast_2d(np.asarray(zs, dtype=float))
        log_u = -exact.softplus(-zs)
        log_1mu = -exact.softplus(zs)
        jacobian = np.sum(exact.log(self.upper - self.lower) + log_u + log_1mu, axis=1)
        return self.log_density(self.from_unbounded(zs)) + jacobian

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Each coordinate's prior mean and standard deviation (after truncation)."""
        ds = self._distributions
        return np.array([d.mean() for d in ds]), np.array([d.std() for d in ds])
