"""Draws from a posterior folder, as the inputs of runs: parameters, multipliers, backcast rows.

This module owns reading a posterior folder (``python -m sim calibrate CONFIG --method abc``,
``sim.validation.posterior.output``) for runs that draw from it (``sim run --posterior DIR``, a
sweep's ``[posterior]`` table, the posterior-predictive hindcast):

- :func:`load_posterior` reads and checks ``manifest.json`` and ``posterior.csv``;
- :func:`resample` draws particles by their weights (systematic resampling, seeded), so the
  draws are equally weighted;
- :class:`DrawInputs` (:func:`draw_inputs`) turns each draw into what one run of the ensemble
  takes: its parameters (the scenario's, with the draw's behavioural values), its members'
  threat and pressure multipliers (the draw's region multipliers times the member table the
  posterior was conditional on) and, for a scenario that starts from the backcast
  (``history_config``), the backcast's parameters with the draw's backcast-only values (the
  start shock), so each draw drives both the backcast and the scenario.

The posterior is of the backcast config named in its manifest; a scenario whose
``history_config`` names another backcast is refused.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import dynamics
from sim.core.config import load_scenario
from sim.core.data import Members, load_member_behaviour, with_multipliers
from sim.core.dynamics import history as history_mod
from sim.core.errors import UserError
from sim.core.params import NUMERIC, PARAM_FIELDS, Params, make_params
from sim.core.resources import locate

KIND = "posterior"
"""The manifest ``kind`` of a posterior folder."""
HEAD = ("particle", "weight", "distance")
"""The columns of ``posterior.csv`` before the coordinates."""
THREAT = "threat_multiplier:"
PRESSURE = "pressure_multiplier:"


class PosteriorError(ValueError, UserError):
    """A posterior folder that cannot be drawn from: file, key, value, what was expected."""

    def __init__(self, path: Path | str, key: str, value: object, expected: str) -> None:
        self.path, self.key, self.value, self.expected = str(path), key, value, expected
        super().__init__(f"{path}: {key} = {value!r}: expected {expected}")


@dataclass(frozen=True)
class Posterior:
    """A posterior folder's particles and the backcast config they were inferred on."""

    folder: Path
    table: pd.DataFrame
    """``posterior.csv``: one row per particle (``HEAD`` then the coordinates)."""
    config: str
    """The backcast config of the calibration (the manifest's ``config``)."""

    @property
    def coordinates(self) -> list[str]:
        """The coordinates' names, in the file's order."""
        return [c for c in self.table.columns if c not in HEAD]


def load_posterior(folder: str | Path) -> Posterior:
    """Read and check a posterior folder (``configs/data/posterior``: the shipped one).

    Raises:
        PosteriorError: no such folder, a manifest that is not a posterior's, a ``posterior.csv``
            without weights, with weights that are negative or do not sum to 1, or a column that
            is neither a parameter nor a region or member multiplier.
    """
    folder = locate(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PosteriorError(manifest_path, "manifest", str(err), _FOLDER) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        kind = manifest.get("kind") if isinstance(manifest, dict) else manifest
        raise PosteriorError(manifest_path, "kind", kind, f"'{KIND}' ({_FOLDER})")
    csv = folder / "posterior.csv"
    try:
        table = pd.read_csv(csv)
    except (OSError, ValueError) as err:
        raise PosteriorError(csv, "posterior.csv", str(err), _FOLDER) from None
    for name in HEAD:
        if name not in table.columns:
            raise PosteriorError(csv, "columns", list(table.columns), f"a column '{name}'")
    weights = table["weight"].to_numpy(dtype=float)
    if len(table) == 0 or not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise PosteriorError(csv, "weight", "empty, negative or not a number", "weights >= 0")
    if abs(weights.sum() - 1.0) > 1e-6:
        raise PosteriorError(csv, "weight", f"sum {weights.sum():.6g}", "weights summing to 1")
    for name in table.columns:
        if name not in HEAD and not _known(name):
            raise PosteriorError(csv, "column", name, "a parameter or a threat multiplier")
    return Posterior(folder, table, str(manifest.get("config", "")))


_FOLDER = "a folder written by `python -m sim calibrate CONFIG --method abc`"


def _known(name: str) -> bool:
    return name in PARAM_FIELDS or name.startswith((THREAT, PRESSURE))


def resample(posterior: Posterior, n: int, seed: int) -> pd.DataFrame:
    """``n`` particles drawn by weight (systematic resampling), as equally weighted draws.

    The draws keep the file's order of particles; column ``draw`` numbers them 0 ... n-1.

    Raises:
        PosteriorError: when ``n`` is not at least 1.
    """
    if n < 1:
        raise PosteriorError(posterior.folder, "draws", n, "at least 1 draw")
    weights = posterior.table["weight"].to_numpy(dtype=float)
    u = (np.random.default_rng(seed).random() + np.arange(n)) / n
    picked = np.minimum(np.searchsorted(np.cumsum(weights / weights.sum()), u), len(weights) - 1)
    draws = posterior.table.iloc[picked].reset_index(drop=True)
    return draws.drop(columns="weight").assign(draw=np.arange(n))


@dataclass(frozen=True)
class DrawInputs:
    """What each draw's runs take (one row per draw)."""

    params: tuple[Params, ...]
    """The scenario's parameters with each draw's behavioural values."""
    responses: np.ndarray
    """(D, 2, N) each draw's threat and pressure multipliers."""
    backcast: np.ndarray | None
    """(D, P) each draw's backcast parameters (None: the scenario has no history)."""

    def repeat(self, reps: int) -> tuple[list[Params], np.ndarray, np.ndarray | None]:
        """The inputs of ``D * reps`` runs, draw-major (run ``d * reps + r``)."""
        params = [p for p in self.params for _ in range(reps)]
        responses = np.repeat(self.responses, reps, axis=0)
        backcast = None if self.backcast is None else np.repeat(self.backcast, reps, axis=0)
        return params, responses, backcast


def draw_inputs(
    posterior: Posterior,
    draws: pd.DataFrame,
    params: Params,
    members: Members,
    keep: set[str] | frozenset[str] = frozenset(),
) -> DrawInputs:
    """Each draw's parameters, multipliers and backcast rows for a scenario.

    The draw's behavioural values (``sim.core.dynamics.history.BEHAVIOUR``) replace the
    scenario's; its backcast-only values (the start shock) go into the backcast the scenario
    starts from, or into the scenario itself when it is a run of the posterior's backcast (it
    starts in the same quarter); a forward scenario without a history leaves them out.

    Args:
        posterior: the posterior (:func:`load_posterior`).
        draws: rows of its table (:func:`resample`).
        params: the scenario's parameters.
        members: the scenario's members (``sim.core.members.members_of``).
        keep: parameters whose value the scenario keeps (a sweep's axes).

    Raises:
        PosteriorError: the scenario starts from another backcast than the posterior's.
    """
    _check_backcast(posterior, params)
    base, held = _conditioning(posterior.config)
    pooled = [c for c in posterior.coordinates if c in PARAM_FIELDS and c not in keep]
    is_backcast = (
        base is not None
        and not params.history_config
        and (params.start_quarter == base.start_quarter)
    )
    own = [c for c in pooled if c in history_mod.BEHAVIOUR or is_backcast]
    rows, responses = [], np.empty((len(draws), 2, members.n))
    for d, (_, draw) in enumerate(draws.iterrows()):
        rows.append(make_params({c: float(draw[c]) for c in own}, base=params))
        regions, mine = draw_multipliers(draw, members, held)
        with_draw = with_multipliers(members, regions, mine)
        responses[d] = with_draw.threat_response, with_draw.pressure_response
    backcast = _backcast_rows(rows, draws, pooled, members) if params.history_config else None
    return DrawInputs(tuple(rows), responses, backcast)


@functools.lru_cache(maxsize=8)
def _conditioning(config: str) -> tuple[Params | None, dict[str, tuple[float, float]]]:
    """The posterior's backcast parameters and the member table it was conditional on."""
    if not config:
        return None, {}
    base = load_scenario(config).params
    held = load_member_behaviour(base.member_behaviour_file) if base.member_behaviour_file else {}
    return base, held


def draw_multipliers(
    draw: pd.Series, members: Members, held: dict[str, tuple[float, float]]
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """A draw's region multipliers and member multipliers (the held table where it has none)."""
    regions = {r: [1.0, 1.0] for r in set(members.region)}
    own = {c: list(held.get(c, (1.0, 1.0))) for c in members.iso3}
    for name, value in draw.items():
        kind = 0 if str(name).startswith(THREAT) else 1 if str(name).startswith(PRESSURE) else -1
        if kind < 0:
            continue
        owner = str(name).split(":", 1)[1]
        table = regions if owner in regions else own if owner in own else None
        if table is not None:
            table[owner][kind] = float(value)
    return (
        {r: (t, p) for r, (t, p) in regions.items()},
        {c: (t, p) for c, (t, p) in own.items()},
    )


def _check_backcast(posterior: Posterior, params: Params) -> None:
    """Refuse a scenario that starts from another backcast than the posterior's."""
    if not params.history_config or not posterior.config:
        return
    if locate(params.history_config) != locate(posterior.config):
        raise PosteriorError(
            posterior.folder,
            "config",
            posterior.config,
            f"the backcast the scenario starts from ({params.history_config}): a posterior of "
            "another backcast does not describe this scenario's history",
        )


def _backcast_rows(
    rows: list[Params], draws: pd.DataFrame, pooled: list[str], members: Members
) -> np.ndarray:
    """(D, P) each draw's backcast parameters: behaviour from the run, the rest from the draw."""
    history = history_mod.load_history(rows[0], members)
    out = history_mod.backcast_arrays(history, dynamics.param_arrays(rows))
    for name in pooled:
        if name not in history_mod.BEHAVIOUR and name in NUMERIC:
            out[:, NUMERIC.index(name)] = draws[name].to_numpy(dtype=float)
    return out


__all__ = [
    "DrawInputs",
    "Posterior",
    "PosteriorError",
    "draw_inputs",
    "draw_multipliers",
    "load_posterior",
    "resample",
]
