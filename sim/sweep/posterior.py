"""A sweep whose runs draw their behaviour from a posterior: the config's ``[posterior]`` table.

This module owns reading the table and turning a run's draw into its inputs::

    replications = 40                   # runs per design point: draws x replications per draw
    [posterior]
    folder = "../data/posterior"   # relative to the sweep config
    draws = 20                          # posterior draws by weight; divides replications

Replication ``k`` of a design point runs draw ``k % draws`` with the seed of replication
``k // draws`` (``sim.sweep.designs.run_plan``): with paired seeding every draw, and every
design point, runs the same ``replications / draws`` seeds, so an outcome's spread splits into
the noise's and the parameters' (``sim.runs.spread``; ``sim report`` writes ``spread.csv``).
The draws are the posterior's particles drawn by weight with the sweep's root seed
(``sim.runs.posterior_draws``); an axis that sweeps a parameter the posterior also sets keeps the
axis's value. Each draw's region multipliers, and its backcast-only values in the backcast the
scenario starts from, go into the run as in ``sim run --posterior``. A run's row of
``runs.parquet`` records the parameters it used (the draw's values included).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.config import ConfigError
from sim.core.members import members_of
from sim.core.params import Params
from sim.sweep.checks import check_int, check_table

if TYPE_CHECKING:  # it imports pandas: loaded when a config names a posterior
    import pandas as pd

    from sim.runs import posterior_draws


@dataclass(frozen=True)
class PosteriorSpec:
    """The ``[posterior]`` table, checked."""

    ref: str
    """The folder as written in the config."""
    folder: str
    """The folder, resolved against the config's folder."""
    draws: int
    sha256: str
    """Of the folder's ``posterior.csv``: a changed posterior is another sweep."""

    def resolved(self) -> dict[str, Any]:
        """The table as recorded in the manifest (and hashed)."""
        return {"folder": self.ref, "draws": self.draws, "sha256": self.sha256}


def parse_posterior(path: Path, doc: dict, replications: int) -> PosteriorSpec | None:
    """The config's ``[posterior]`` table (None without one).

    Raises:
        ConfigError: a table with other keys, a folder that is not a posterior's (naming why),
            or ``draws`` that is not a whole divisor of ``replications``.
    """
    if "posterior" not in doc:
        return None
    table = check_table(path, doc, "posterior", ("folder", "draws"))
    ref = table.get("folder")
    if not isinstance(ref, str):
        raise ConfigError(path, "posterior.folder", ref, "a posterior folder (relative path)")
    folder = (path.parent / ref).resolve()
    from sim.runs import posterior_draws

    try:
        posterior_draws.load_posterior(folder)
    except posterior_draws.PosteriorError as err:
        raise ConfigError(path, "posterior.folder", ref, f"a posterior folder ({err})") from None
    draws = check_int(path, "posterior.draws", table.get("draws"), 1, "an integer >= 1")
    if replications % draws:
        raise ConfigError(
            path,
            "posterior.draws",
            draws,
            f"a divisor of replications ({replications}): each draw runs replications / draws "
            "paired seeds",
        )
    digest = hashlib.sha256((folder / "posterior.csv").read_bytes()).hexdigest()
    return PosteriorSpec(ref, str(folder), draws, digest)


@dataclass(frozen=True)
class SweepDraws:
    """The draws a sweep's runs take (shipped to each worker with its chunk)."""

    posterior: posterior_draws.Posterior
    table: pd.DataFrame
    """The drawn particles (``posterior_draws.resample``), row = draw."""

    @classmethod
    def of(cls, spec: PosteriorSpec, seed: int) -> SweepDraws:
        """Load the posterior and draw ``spec.draws`` particles with the sweep's root seed."""
        from sim.runs import posterior_draws

        post = posterior_draws.load_posterior(spec.folder)
        return cls(post, posterior_draws.resample(post, spec.draws, seed))

    def run_inputs(
        self, params: list[Params], draws: np.ndarray, keep: frozenset[str]
    ) -> tuple[list[Params], np.ndarray, np.ndarray | None]:
        """Each run's parameters, multipliers (R, 2, N) and backcast rows (R, P) or None.

        Args:
            params: each run's parameters before its draw (the base and the design point);
                they share their structural parameters.
            draws: each run's draw.
            keep: parameters the design sets (an axis keeps its value).
        """
        from sim.runs import posterior_draws

        members = members_of(params[0])
        out, responses, rows = [], np.empty((len(params), 2, members.n)), []
        cache: dict[tuple[Params, int], posterior_draws.DrawInputs] = {}
        for i, (p, d) in enumerate(zip(params, draws, strict=True)):
            key = (p, int(d))
            if key not in cache:
                one = self.table.iloc[[int(d)]]
                cache[key] = posterior_draws.draw_inputs(self.posterior, one, p, members, keep)
            inputs = cache[key]
            out.append(inputs.params[0])
            responses[i] = inputs.responses[0]
            if inputs.backcast is not None:
                rows.append(inputs.backcast[0])
        return out, responses, np.stack(rows) if rows else None


__all__ = ["PosteriorSpec", "SweepDraws", "parse_posterior"]
