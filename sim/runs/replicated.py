"""A scenario run many times: ``sim run CONFIG --reps N [--posterior DIR --draws D]``.

This module owns the ensemble of one scenario and its results folder. The runs are D parameter
draws times N replications with paired seeds: replication r has seed
``sim.core.ensemble.derive_seed(scenario seed, r)`` under every draw (common random numbers), so
the spread of every outcome splits into the noise's and the parameters' (``sim.runs.spread``).
Without ``--posterior`` there is one draw, the config's own values (noise alone). With it, the
D draws are particles of a posterior folder (``python -m sim calibrate CONFIG --method abc``)
drawn by weight (``sim.runs.posterior_draws``); each draw drives the backcast the scenario
starts from as well as the scenario.

The folder (``results/<name>-seed<seed>[-set-<hash>]-reps<N>[-posterior<D>]`` by default; whole
or not at all, as a single run's) holds:

- ``runs.parquet``: one row per run: ``run_id``, ``draw``, ``particle`` (the posterior's row;
  -1 without one), ``rep``, ``seed``, ``status``, then the summary columns of
  ``sim.core.summary.summarise``;
- ``alliance.parquet``: every run's alliance series (``run_id``, ``draw``, ``rep``, ``quarter``,
  the metrics);
- ``bands.parquet``: per metric and quarter, the 5/25/50/75/95% quantiles of every run and the
  90% band of the draws' means (the parameters' part);
- ``members.parquet``: per member and quarter, the 5/50/95% quantiles of the core share;
- ``spread.csv``: per outcome, the intervals and the decomposition of its spread;
- ``summary.json``, ``manifest.json`` (kind ``"ensemble"``) and ``figure.png``/``.pdf``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.config import Scenario
from sim.core.ensemble import derive_seed, simulate
from sim.core.errors import UserError
from sim.core.members import members_of
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.summary import FINAL_COLUMNS, summarise
from sim.runs import posterior_draws, spread
from sim.runs.outputs import output_folder
from sim.runs.provenance import git_revision, package_versions
from sim.runs.replicated_figure import ensemble_figure

KIND = "ensemble"
"""The manifest ``kind`` of a replicated run's folder."""
OUTCOMES = (
    *(f"final_{name}" for name in FINAL_COLUMNS),
    "cumulative_extra_spending_usd_bn",
    "peak_munitions_ratio",
)
"""The summary columns ``spread.csv`` decomposes."""
MAX_RUNS = 1_000_000
"""The most runs one replicated run may ask for (draws x reps); a sweep is the tool beyond."""
BATCH = 256
"""Runs simulated at once (the member series of 256 runs: about 40 MB)."""


class EnsembleOptionError(ValueError, UserError):
    """A ``--reps``/``--draws`` value that cannot be run."""


def check_counts(reps: int, draws: int) -> None:
    """Refuse fewer than one replication or draw, or more than :data:`MAX_RUNS` runs.

    Raises:
        EnsembleOptionError: naming the option, its value and what was expected.
    """
    if reps < 1:
        raise EnsembleOptionError(f"--reps {reps}: expected at least 1 replication")
    if draws < 1:
        raise EnsembleOptionError(f"--draws {draws}: expected at least 1 posterior draw")
    if reps * draws > MAX_RUNS:
        raise EnsembleOptionError(
            f"--draws {draws} --reps {reps}: {reps * draws:,} runs; expected at most "
            f"{MAX_RUNS:,} (use a sweep with a [posterior] table beyond)"
        )


@dataclass(frozen=True)
class Ensemble:
    """A replicated run's tables (see the module for each)."""

    runs: pd.DataFrame
    alliance: pd.DataFrame
    bands: pd.DataFrame
    members: pd.DataFrame
    spread: pd.DataFrame
    draws: int
    reps: int


def rep_seeds(seed: int, reps: int) -> list[int]:
    """The paired seeds of ``reps`` replications under a scenario's seed."""
    return [derive_seed(seed, r) for r in range(reps)]


def simulate_ensemble(
    scenario: Scenario,
    reps: int,
    posterior: str | Path | None = None,
    draws: int = 100,
) -> Ensemble:
    """Run a scenario ``draws x reps`` times (``draws`` is 1 without a posterior).

    Raises:
        EnsembleOptionError: ``reps`` or ``draws`` below 1, or too many runs.
        sim.runs.posterior_draws.PosteriorError: the posterior cannot be drawn from.
    """
    check_counts(reps, draws)
    params = scenario.params
    members = members_of(params)
    if posterior is None:
        draws, particles = 1, np.array([-1])
        inputs = None
    else:
        post = posterior_draws.load_posterior(posterior)
        table = posterior_draws.resample(post, draws, scenario.seed)
        particles = table["particle"].to_numpy(dtype=np.int64)
        inputs = posterior_draws.draw_inputs(post, table, params, members)
    seeds = rep_seeds(scenario.seed, reps) * draws
    run_params, responses, backcast = (
        ([params] * reps, None, None) if inputs is None else inputs.repeat(reps)
    )
    alliance, core, violations, quarters = _simulate(run_params, seeds, responses, backcast)
    head = pd.DataFrame(
        {
            "run_id": np.arange(len(seeds)),
            "draw": np.repeat(np.arange(draws), reps),
            "particle": np.repeat(particles, reps),
            "rep": np.tile(np.arange(reps), draws),
            "seed": np.array(seeds, dtype=np.int64),
            "status": [f"failed: {v}" if v else "ok" for v in violations],
        }
    )
    summary = summarise(alliance, quarters, run_params, members.n)
    runs = pd.concat([head, summary], axis=1)
    return Ensemble(
        runs,
        _alliance_frame(alliance, quarters, head),
        _bands_frame(alliance, quarters, draws),
        _members_frame(core, quarters, members.iso3),
        spread.spread_table(runs, OUTCOMES),
        draws,
        reps,
    )


def _simulate(
    params: list, seeds: list[int], responses: np.ndarray | None, backcast: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, list[str], tuple[str, ...]]:
    """Every run in batches of :data:`BATCH`: alliance (R, T, K), core shares (R, T, N)."""
    alliance, core, violations, quarters = [], [], [], ()
    column = MEMBER_COLUMNS.index("core_share_pct")
    for i in range(0, len(seeds), BATCH):
        part = slice(i, i + BATCH)
        traj = simulate(
            params[part],
            seeds[part],
            keep_members=True,
            responses=None if responses is None else responses[part],
            backcast=None if backcast is None else backcast[part],
        )
        alliance.append(traj.alliance)
        core.append(traj.members[..., column])
        violations += list(traj.violations)
        quarters = traj.quarters
    return np.concatenate(alliance), np.concatenate(core), violations, tuple(quarters)


def _alliance_frame(
    alliance: np.ndarray, quarters: tuple[str, ...], head: pd.DataFrame
) -> pd.DataFrame:
    runs, rows, _ = alliance.shape
    frame = pd.DataFrame(alliance.reshape(runs * rows, -1), columns=list(ALLIANCE_COLUMNS))
    keys = pd.DataFrame(
        {
            "run_id": np.repeat(head["run_id"].to_numpy(), rows),
            "draw": np.repeat(head["draw"].to_numpy(), rows),
            "rep": np.repeat(head["rep"].to_numpy(), rows),
            "quarter": np.tile(np.array(quarters, dtype=object), runs),
        }
    )
    return pd.concat([keys, frame], axis=1)


def _bands_frame(alliance: np.ndarray, quarters: tuple[str, ...], draws: int) -> pd.DataFrame:
    parts = []
    for k, name in enumerate(ALLIANCE_COLUMNS):
        band = spread.bands(alliance[:, :, k], draws)
        parts.append(pd.DataFrame({"metric": name, "quarter": list(quarters), **band}))
    return pd.concat(parts, ignore_index=True)


def _members_frame(
    core: np.ndarray, quarters: tuple[str, ...], iso3: tuple[str, ...]
) -> pd.DataFrame:
    q = np.quantile(core, [0.05, 0.5, 0.95], axis=0)  # (3, T, N)
    rows, n = q.shape[1], q.shape[2]
    return pd.DataFrame(
        {
            "quarter": np.repeat(np.array(quarters, dtype=object), n),
            "iso3": np.tile(np.array(iso3, dtype=object), rows),
            "core_share_pct_q05": q[0].ravel(),
            "core_share_pct_q50": q[1].ravel(),
            "core_share_pct_q95": q[2].ravel(),
        }
    )


def ensemble_summary(
    scenario: Scenario, ensemble: Ensemble, posterior: str | None
) -> dict[str, Any]:
    """``summary.json``: what ran, and each outcome's median and intervals (see ``spread``)."""
    outcomes = {
        row["outcome"]: {k: round(float(v), 6) for k, v in row.items() if k != "outcome"}
        for row in ensemble.spread.to_dict("records")
    }
    failed = int((ensemble.runs["status"] != "ok").sum())
    return {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "draws": ensemble.draws,
        "reps": ensemble.reps,
        "runs": len(ensemble.runs),
        "posterior": posterior,
        "status": "ok" if failed == 0 else f"{failed} runs broke an invariant",
        "outcomes": outcomes,
    }


def run_ensemble(
    scenario: Scenario,
    out: Path,
    reps: int,
    *,
    posterior: str | None = None,
    draws: int = 100,
    overwrite: bool = False,
    command: str = "",
    title: str = "",
    csv: bool = False,
) -> tuple[Ensemble, dict[str, Any]]:
    """Simulate the ensemble and write its folder (whole or not at all; see the module)."""
    with output_folder(out, KIND, overwrite=overwrite) as folder:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        ensemble = simulate_ensemble(scenario, reps, posterior, draws)
        seconds = time.perf_counter() - t0
        summary = ensemble_summary(scenario, ensemble, posterior)
        with folder.write() as tmp:
            ensemble.runs.to_parquet(tmp / "runs.parquet", index=False)
            ensemble.alliance.to_parquet(tmp / "alliance.parquet", index=False)
            ensemble.bands.to_parquet(tmp / "bands.parquet", index=False)
            ensemble.members.to_parquet(tmp / "members.parquet", index=False)
            ensemble.spread.to_csv(tmp / "spread.csv", index=False)
            if csv:
                ensemble.runs.to_csv(tmp / "runs.csv", index=False)
                ensemble.alliance.to_csv(tmp / "alliance.csv", index=False)
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            ensemble_figure(ensemble.bands, title or scenario.name, tmp / "figure", posterior)
            manifest = {
                "kind": KIND,
                "scenario": scenario.name,
                "config_files": list(scenario.chain),
                "seed": scenario.seed,
                "reps": reps,
                "draws": ensemble.draws,
                "posterior": posterior,
                "rep_seeds": "sim.core.ensemble.derive_seed(seed, rep), paired across draws",
                "command": command,
                "versions": package_versions(),
                "git": git_revision(),
                "started_utc": started.isoformat(timespec="seconds"),
                "run_seconds": round(seconds, 3),
            }
            manifest["files"] = sorted([*(p.name for p in tmp.iterdir()), "manifest.json"])
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ensemble, summary
