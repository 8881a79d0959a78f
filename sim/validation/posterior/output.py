"""The Bayesian calibration's files: the posterior, its diagnostics and its figures.

This module owns what ``python -m sim calibrate CONFIG --method abc`` writes into its folder
(:func:`write_posterior`), each file built in memory and then written by the caller's
whole-or-nothing folder (``sim.runs.outputs.output_folder``):

- ``posterior.csv``: one row per particle: ``particle``, ``weight`` (summing to 1), ``distance``
  (the data's part of the calibration loss, ``Objective.distances``), then one column per
  coordinate of the search space, named as in the calibration (``adjustment_speed_per_year``,
  ``threat_multiplier:nordic``, ``threat_multiplier:POL``), in natural units: a multiplier is
  the multiplier (region: on the pooled value; member: on its region's), not its log.
- ``generations.csv``: one row per generation (``sim.validation.posterior.smc.Posterior``):
  tolerance, proposals, acceptance rate, effective sample size, seconds.
- ``narrowing.csv``: per coordinate, the prior's and the posterior's mean, s.d. and 90%
  interval, ``sd_ratio`` (posterior s.d. / prior s.d.) and ``narrowed`` (1 - the ratio): how much
  the data narrowed it. Multipliers are compared on the log scale they are drawn on.
- ``marginals.png``/``.pdf``: each pooled and region coordinate's posterior histogram against its
  prior's, and the members' s.d. ratios when members are sampled.
- ``pairs.png``: the pooled coordinates two by two (points sized by weight).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from sim.runs.figure import OKABE_ITO, apply_style, plt
from sim.validation.posterior.prior import Prior
from sim.validation.posterior.smc import Posterior
from sim.validation.search_space import Coordinate

FILES = (
    "posterior.csv",
    "generations.csv",
    "narrowing.csv",
    "marginals.png",
    "marginals.pdf",
    "pairs.png",
)
"""The files :func:`posterior_files` builds, in order."""

LEVELS = (0.05, 0.95)
"""The interval ``narrowing.csv`` gives (90%)."""

PNG_DPI = 160


def natural(coords: tuple[Coordinate, ...], samples: np.ndarray) -> np.ndarray:
    """The search vectors in natural units: log multipliers exponentiated."""
    logs = np.array([c.log for c in coords])
    return np.where(logs, np.exp(samples), samples)


def search_vectors(coords: tuple[Coordinate, ...], table: pd.DataFrame) -> np.ndarray:
    """The search vectors (S, D) of ``posterior.csv``'s rows (the inverse of :func:`natural`)."""
    values = table[[c.name for c in coords]].to_numpy(dtype=float)
    logs = np.array([c.log for c in coords])
    return np.where(logs, np.log(values), values)


def posterior_table(coords: tuple[Coordinate, ...], post: Posterior) -> pd.DataFrame:
    """``posterior.csv`` as a frame (see the module's docstring)."""
    head = pd.DataFrame(
        {
            "particle": np.arange(len(post.weights)),
            "weight": post.weights,
            "distance": post.distances,
        }
    )
    values = pd.DataFrame(natural(coords, post.samples), columns=[c.name for c in coords])
    return pd.concat([head, values], axis=1)


def narrowing(prior: Prior, post: Posterior) -> pd.DataFrame:
    """``narrowing.csv``: prior against posterior, coordinate by coordinate."""
    prior_mean, prior_sd = prior.moments()
    lo_hi = post.quantiles(LEVELS)
    rng = np.random.default_rng(0)
    prior_q = np.quantile(prior.sample(20_000, rng), LEVELS, axis=0)
    sd = post.sd()
    return pd.DataFrame(
        {
            "coordinate": [c.name for c in prior.coords],
            "level": [c.level for c in prior.coords],
            "scale": ["log" if c.log else "linear" for c in prior.coords],
            "prior_mean": prior_mean,
            "prior_sd": prior_sd,
            "prior_q05": prior_q[0],
            "prior_q95": prior_q[1],
            "posterior_mean": post.mean(),
            "posterior_sd": sd,
            "posterior_q05": lo_hi[0],
            "posterior_q95": lo_hi[1],
            "sd_ratio": sd / prior_sd,
            "narrowed": 1.0 - sd / prior_sd,
        }
    )


def posterior_files(prior: Prior, post: Posterior) -> dict[str, bytes]:
    """Every file of :data:`FILES` as bytes."""
    coords = prior.coords
    text = {
        "posterior.csv": posterior_table(coords, post),
        "generations.csv": pd.DataFrame(post.generations),
        "narrowing.csv": narrowing(prior, post),
    }
    out = {k: v.to_csv(index=False, lineterminator="\n").encode() for k, v in text.items()}
    out.update(_marginals(prior, post, text["narrowing.csv"]))
    out["pairs.png"] = _pairs(prior, post)
    return out


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    meta = {"CreationDate": None} if fmt == "pdf" else None
    fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=meta)
    return buffer.getvalue()


def _marginals(prior: Prior, post: Posterior, table: pd.DataFrame) -> dict[str, bytes]:
    """The marginals figure, PNG and PDF."""
    apply_style()
    shown = [j for j, c in enumerate(prior.coords) if c.level != "member"]
    members = table[table["level"] == "member"]
    panels = len(shown) + (1 if len(members) else 0)
    cols = 4
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.2, 1.7 * rows), constrained_layout=True)
    draws = prior.sample(20_000, np.random.default_rng(0))
    for ax, j in zip(axes.flat, shown, strict=False):
        c = prior.coords[j]
        bins = np.linspace(c.lo, c.hi, 31)
        ax.hist(draws[:, j], bins=bins, density=True, color="0.75", label="prior")
        ax.hist(
            post.samples[:, j],
            bins=bins,
            weights=post.weights,
            density=True,
            histtype="step",
            lw=1.4,
            color=OKABE_ITO[5],
            label="posterior",
        )
        ax.set_title(c.name + (" (log)" if c.log else ""), fontsize=6)
        ax.tick_params(labelsize=5)
    if len(members):
        ax = axes.flat[len(shown)]
        ax.barh(
            [n.split(":")[1] for n in members["coordinate"]],
            members["sd_ratio"],
            color=OKABE_ITO[5],
        )
        ax.axvline(1.0, color="0.4", lw=0.8, ls="--")
        ax.set_title("members: posterior / prior s.d. (log)", fontsize=6)
        ax.tick_params(labelsize=4)
    for extra in axes.flat[panels:]:
        extra.axis("off")
    axes.flat[0].legend(fontsize=5, frameon=False)
    fig.suptitle("Posterior (line) against prior (grey)", fontsize=8)
    data = {"marginals.png": _save(fig, "png"), "marginals.pdf": _save(fig, "pdf")}
    plt.close(fig)
    return data


def _pairs(prior: Prior, post: Posterior) -> bytes:
    """The pooled coordinates two by two, PNG."""
    apply_style()
    pooled = [j for j, c in enumerate(prior.coords) if c.level == "pooled"]
    k = len(pooled)
    fig, axes = plt.subplots(k, k, figsize=(7.2, 7.2), constrained_layout=True, squeeze=False)
    size = 40.0 * post.weights / post.weights.max()
    for a, i in enumerate(pooled):
        for b, j in enumerate(pooled):
            ax = axes[a, b]
            ax.tick_params(labelsize=4)
            if a == b:
                ax.hist(post.samples[:, i], bins=20, weights=post.weights, color=OKABE_ITO[5])
            elif a > b:
                ax.scatter(post.samples[:, j], post.samples[:, i], s=size, color=OKABE_ITO[5])
                ax.set_xlim(prior.coords[j].lo, prior.coords[j].hi)
                ax.set_ylim(prior.coords[i].lo, prior.coords[i].hi)
            else:
                ax.axis("off")
            if b == 0:
                ax.set_ylabel(prior.coords[i].name, fontsize=5)
            if a == k - 1:
                ax.set_xlabel(prior.coords[j].name, fontsize=5)
    data = _save(fig, "png")
    plt.close(fig)
    return data
