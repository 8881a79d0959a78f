"""What the calibration's data identify: standard errors and flat directions at the optimum.

This module owns :func:`identify`, the identification report of ``python -m sim calibrate``. At
the optimum, the Jacobian of the share residuals (finite differences) gives Gauss-Newton standard
errors (with the ridges as prior information and the residual variance over the ridge's effective
degrees of freedom); a parameter is reported as not identified when it sits at a bound or its 95%
interval covers more than half its range, and the flattest eigen-directions of the pooled and
regional parameters name the combinations the data leave free. The search is
``sim.validation.calibrate``; the objective ``sim.validation.objective``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.validation.objective import Objective


def identify(
    obj: Objective, x: np.ndarray, rel_step: float = 0.01
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gauss-Newton standard errors and flat directions of the share residuals at x.

    The covariance is ``sigma^2 (J'J + n W)^-1`` (W the ridge weights), with sigma^2 the residual
    variance over the ridge's effective degrees of freedom, ``n - tr(J (J'J + n W)^-1 J')``; the
    member multipliers are reported through their centred values (:meth:`Objective.centred`).
    The flat directions are those of the pooled and regional parameters, with the members'
    uncertainty carried in (the inverse of their block of the covariance).

    Returns:
        (one row per coordinate: value, bounds, standard error, 95% interval, at_bound,
        identified; one row per eigen-direction of the pooled and regional parameters in scaled
        units, flattest first, with its three largest loadings).
    """
    x = obj.centred(x)
    widths = np.array([c.hi - c.lo for c in obj.coords])
    r0, jac = _jacobian(obj, x, widths * rel_step)
    cov, sigma2 = _covariance(obj, r0, jac)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    return _coordinate_rows(obj, x, se, widths), _flat_directions(obj, cov / sigma2, widths)


def _jacobian(obj: Objective, x: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share residuals at x and their Jacobian by central differences, clipped to the bounds.

    The 2 x D + 1 points are evaluated in batches (``Objective.residuals_batch``: the same bits
    as one at a time).
    """
    d = len(x)
    ups, downs = np.repeat(x[None, :], d, axis=0), np.repeat(x[None, :], d, axis=0)
    for j, c in enumerate(obj.coords):
        ups[j, j] = min(x[j] + steps[j], c.hi)
        downs[j, j] = max(x[j] - steps[j], c.lo)
    residuals = obj.residuals_batch(np.vstack([x[None, :], ups, downs]))
    r0 = residuals[0]
    jac = np.empty((len(r0), d))
    for j in range(d):
        jac[:, j] = (residuals[1 + j] - residuals[1 + d + j]) / (ups[j, j] - downs[j, j])
    return r0, jac


def _covariance(obj: Objective, r0: np.ndarray, jac: np.ndarray) -> tuple[np.ndarray, float]:
    """The Gauss-Newton covariance of the coordinates (centred members) and sigma^2."""
    # the loss is mean(r^2) + sum(w * log multiplier^2): its Gauss-Newton Hessian, times
    # len(r)/2, is J'J + len(r) * w on the multipliers
    info = jac.T @ jac + np.diag(obj.prior_weights() * len(r0))
    inverse = np.linalg.pinv(info)
    # the ridge spends fewer degrees of freedom than it has coordinates: n - tr(hat matrix)
    dof = max(len(r0) - float(np.trace(jac @ inverse @ jac.T)), 1.0)
    sigma2 = float(r0 @ r0) / dof
    # the member coordinates count through their centred values (what the members get)
    return sigma2 * obj.centering @ inverse @ obj.centering.T, sigma2


def _coordinate_rows(
    obj: Objective, x: np.ndarray, se: np.ndarray, widths: np.ndarray
) -> pd.DataFrame:
    """One row per coordinate: value, bounds, scaled standard error, 95% interval, flags."""
    rows = []
    for j, c in enumerate(obj.coords):
        tol = 0.01 * widths[j]
        at_bound = x[j] <= c.lo + tol or x[j] >= c.hi - tol
        wide = 2 * 1.96 * se[j] > 0.5 * widths[j]
        value = math.exp(x[j]) if c.log else x[j]
        lo95 = math.exp(x[j] - 1.96 * se[j]) if c.log else x[j] - 1.96 * se[j]
        hi95 = math.exp(x[j] + 1.96 * se[j]) if c.log else x[j] + 1.96 * se[j]
        rows.append(
            {
                "parameter": c.name,
                "value": value,
                "lower_bound": math.exp(c.lo) if c.log else c.lo,
                "upper_bound": math.exp(c.hi) if c.log else c.hi,
                "se_scaled": se[j] / widths[j],
                "ci95_low": lo95,
                "ci95_high": hi95,
                "at_bound": bool(at_bound),
                "identified": not (at_bound or wide),
            }
        )
    return pd.DataFrame(rows)


def _flat_directions(obj: Objective, scaled_cov: np.ndarray, widths: np.ndarray) -> pd.DataFrame:
    """The eigen-directions of the pooled and regional parameters' precision, flattest first.

    Args:
        obj: the objective.
        scaled_cov: the covariance over sigma^2 (every coordinate).
        widths: the widths of the coordinates' bounds (the directions are in scaled units).
    """
    shared = obj.indices("pooled", "region")
    precision = np.linalg.pinv(scaled_cov[np.ix_(shared, shared)])
    scaled = precision * np.outer(widths[shared], widths[shared])
    values, vectors = np.linalg.eigh(scaled)
    names = [obj.coords[j].name for j in shared]
    directions = []
    for k in np.argsort(values):
        v = vectors[:, k]
        top = np.argsort(-np.abs(v))[:3]
        directions.append(
            {
                "eigenvalue": values[k],
                "relative": values[k] / values.max(),
                "loadings": "; ".join(f"{v[i]:+.2f} {names[i]}" for i in top),
            }
        )
    return pd.DataFrame(directions)
