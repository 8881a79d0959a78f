"""``python -m sim hindcast CONFIG``: the rolling-origin hindcast, from the command line.

This module owns the command and the loop over origins (:func:`run_hindcast`): for each origin
year Y it fits the model with the record up to Y (``sim.validation.hindcast.model.fit_until``),
forecasts Y+1 ... Y+h from the record's shares at Y, makes the baselines' forecasts
(``sim.validation.hindcast.baselines``), scores every forecast against the record
(``sim.validation.hindcast.scores``), scores the rival's spending and the munitions outputs
against their record (``sim.validation.hindcast.rival``) and writes the tables, the figure and
the LaTeX table (``sim.validation.hindcast.output``) with ``fits.csv`` (each origin's fit)
and ``manifest.json`` (the command, the options, the record's edition, the versions and the
time taken) into one folder, whole or not at all (``sim.runs.outputs.output_folder``; default
``results/hindcast-<config>``).

The fit's budget is the calibration's (``python -m sim calibrate``): full by default,
``SIM_CALIBRATE_BUDGET=smoke`` for a smoke test (recorded in the manifest; its numbers are not a
hindcast of the model).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from sim.core.config import load_scenario
from sim.core.errors import UserError
from sim.core.params import Params
from sim.runs.outputs import MANIFEST, output_folder, output_path
from sim.runs.provenance import git_revision, package_versions
from sim.validation.calibrate import cli_budget
from sim.validation.hindcast import baselines, model, output, posterior, rival, scores
from sim.validation.hindcast.options import DEFAULT_RUNS
from sim.validation.hindcast.record import PanelRecord
from sim.validation.objective import POOLED, Budget
from sim.validation.posterior.command import PosteriorBudget

KIND = "hindcast"
"""The manifest ``kind`` of a hindcast folder."""


class HindcastError(UserError):
    """A hindcast option that cannot be used."""


class HindcastTables(NamedTuple):
    """What :func:`run_hindcast` returns."""

    scores: pd.DataFrame
    """One row per method, origin and forecast year (``scores.SCORE_COLUMNS``)."""
    members: pd.DataFrame
    """The same, member-year by member-year (``scores.MEMBER_SCORE_COLUMNS``)."""
    fits: pd.DataFrame
    """One row per origin: the model's fit (empty without the model)."""
    rival: pd.DataFrame
    """The rival's quantities against their record (``rival.RIVAL_SCORE_COLUMNS``)."""
    posteriors: pd.DataFrame
    """One row per origin: its posterior (empty without ``--posterior``)."""


def parse_years(text: str, option: str = "--origins") -> tuple[int, ...]:
    """``"2016:2023"`` (inclusive) or ``"2018,2020"`` as sorted years.

    Raises:
        HindcastError: naming the option, the value and what was expected.
    """
    expected = "years as FIRST:LAST (inclusive) or a comma-separated list, e.g. 2016:2023"
    try:
        if ":" in text:
            first, last = (int(part) for part in text.split(":"))
            years = tuple(range(first, last + 1))
        else:
            years = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise HindcastError(f"{option} {text!r}: expected {expected}") from None
    if not years:
        raise HindcastError(f"{option} {text!r}: no years; expected {expected}")
    return years


def parse_horizons(text: str) -> tuple[int, ...]:
    """``"1,2,3"`` as sorted positive integers.

    Raises:
        HindcastError: naming the option, the value and what was expected.
    """
    try:
        horizons = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        horizons = ()
    if not horizons or min(horizons) < 1:
        raise HindcastError(
            f"--horizons {text!r}: expected positive whole numbers of years, e.g. 1,2,3"
        )
    return horizons


def check_origins(
    origins: tuple[int, ...],
    horizons: tuple[int, ...],
    record: PanelRecord,
    config: str,
    start_year: int,
    baselines_only: bool = False,
) -> None:
    """Each origin must leave a year to fit and a year of record to score.

    Raises:
        HindcastError: for a config that does not start inside the record (a forward scenario),
            an origin outside ``start_year + 1`` ... ``record.last_year - 1``, or an origin none
            of whose horizons falls within the record; before anything is fitted. With
            ``baselines_only`` the first year a baseline can start from replaces the backcast's
            start: the record's third year (a trend needs three points).
    """
    if baselines_only:
        start_year = record.years[0] + 1
    elif not record.years[0] <= start_year < record.last_year:
        raise HindcastError(
            f"{config}: starts in {start_year}, outside the record ({record.years[0]}-"
            f"{record.last_year}); the hindcast needs a backcast config, e.g. "
            "configs/backcast_2014.toml"
        )
    low, high = start_year + 1, record.last_year - 1
    bad = [y for y in origins if not low <= y <= high]
    if bad:
        raise HindcastError(
            f"--origins: {bad} outside {low}-{high} (a fit needs a year after the backcast's "
            f"start, {start_year}, and a forecast needs a year of record after the origin; the "
            f"record ends in {record.last_year})"
        )
    late = [y for y in origins if y + min(horizons) > record.last_year]
    if late:
        raise HindcastError(
            f"--horizons {','.join(map(str, horizons))}: no forecast year within the record "
            f"(it ends in {record.last_year}) for origins {late}; expected a horizon of at most "
            f"{record.last_year - max(late)} years for them, or earlier origins"
        )


def run_hindcast(
    base: Params,
    seed: int,
    origins: tuple[int, ...],
    horizons: tuple[int, ...],
    *,
    budget: Budget | None = None,
    n_runs: int = DEFAULT_RUNS,
    scheduled_shocks: bool = False,
    record: PanelRecord | None = None,
    progress: Callable[[str], None] | None = None,
    with_model: bool = True,
    posterior_budget: PosteriorBudget | None = None,
) -> HindcastTables:
    """Fit, forecast and score at each origin.

    Args:
        base: the backcast's parameters (``configs/backcast_2014.toml``).
        seed: root seed of the fits and of the model's replications.
        origins: the origin years.
        horizons: years ahead.
        budget: the calibration's budget at each origin (default: the full one).
        n_runs: the model's replications per forecast.
        scheduled_shocks: keep a threat shock the config schedules after the origin
            (``sim.validation.hindcast.model``).
        record: the record (default: ``PanelRecord.load()``, NATO's June 2024 edition).
        progress: called with a line of text after each step.
        with_model: fit and score the model (False: the baselines alone).
        posterior_budget: also score a posterior-predictive forecast (``...hindcast.posterior``).

    Returns:
        The scores, member-year scores, fits, rival's scores, posteriors (:class:`HindcastTables`).
    """
    say = progress or (lambda _line: None)
    record = record if record is not None else PanelRecord.load()
    tables, members, fits, rivals, posteriors = [], [], [], [], []
    for origin in origins:
        forecasts = baselines.baseline_forecasts(record, origin, horizons)
        rival_forecasts = [rival.persistence(origin, forecasts[0].years)]
        note = ""
        if with_model:
            own, fit_row, found, note = _model_forecasts(
                base, seed, origin, horizons, record,
                (budget, n_runs, scheduled_shocks, posterior_budget),
            )  # fmt: skip
            fits.append(fit_row)
            posteriors += [found] if found else []
            forecasts[:0] = [f for f, _ in own]
            rival_forecasts[:0] = [r for _, r in own]
        tables += [scores.score(f, record) for f in forecasts]
        members += [scores.member_scores(f, record) for f in forecasts]
        rivals += [rival.score(f) for f in rival_forecasts]
        say(f"origin {origin}: {note}scored {len(forecasts)} methods")
    return HindcastTables(
        pd.concat(tables, ignore_index=True),
        pd.concat(members, ignore_index=True),
        pd.DataFrame(fits),
        pd.concat(rivals, ignore_index=True),
        pd.DataFrame(posteriors),
    )


def _model_forecasts(
    base: Params,
    seed: int,
    origin: int,
    horizons: tuple[int, ...],
    record: PanelRecord,
    options: tuple[Budget | None, int, bool, PosteriorBudget | None],
) -> tuple[list[tuple[Any, Any]], dict[str, Any], dict[str, Any] | None, str]:
    """The model's forecasts at one origin: the point fit's and, if asked, the posterior's.

    Returns:
        ((forecast, rival forecast) per method, the fit's row, the posterior's row or None,
        a note for the progress line).
    """
    budget, n_runs, scheduled_shocks, posterior_budget = options
    fit = model.fit_until(base, record, origin, seed, budget)
    own = [model.forecast_with_rival(fit, record, horizons, n_runs, seed, scheduled_shocks)]
    note = _fit_note(fit)
    if posterior_budget is None:
        return own, _fit_row(fit), None, note
    found = posterior.posterior_until(base, record, fit, seed, posterior_budget)
    own.append(
        posterior.forecast(fit, found, record, horizons, seed, scheduled_shocks=scheduled_shocks)
    )
    note += f"posterior in {found.row['seconds']:.0f} s (ESS {found.row['ess']:.0f}); "
    return own, _fit_row(fit), found.row, note


def _fit_note(fit: model.Fit) -> str:
    """One origin's fit in a line of progress."""
    return (
        f"fitted in {fit.seconds:.0f} s ({fit.evaluations} evaluations, "
        f"loss {fit.loss:.5f}, shock scale {fit.params.noise_sd_pp:.3f} pp); "
    )


def _fit_row(fit: model.Fit) -> dict[str, Any]:
    """One origin's fit as a row of ``fits.csv``: its loss, its cost and its pooled values."""
    row: dict[str, Any] = {
        "origin": fit.origin,
        "loss": fit.loss,
        "evaluations": fit.evaluations,
        "seconds": round(fit.seconds, 2),
    }
    row.update({name: getattr(fit.params, name) for name, _, _ in POOLED})
    if fit.spread is not None:
        row.update(
            noise_sd_pp=fit.spread.noise_sd_pp,
            rival_budget_noise_sd_pp=fit.params.rival_budget_noise_sd_pp,
            in_sample_error_pp=fit.spread.error_pp,
            one_year_spread_pp=fit.spread.spread_pp,
        )
    return row


def cli_hindcast(args: argparse.Namespace) -> int:
    """``python -m sim hindcast CONFIG [--origins A:B] [--horizons 1,2,3] [--out DIR] ...``."""
    t0 = time.perf_counter()
    scenario = load_scenario(args.config, seed=args.seed)
    origins = parse_years(args.origins)
    horizons = parse_horizons(args.horizons)
    if args.runs < 2:
        raise HindcastError(f"--runs {args.runs}: expected at least 2 replications")
    record = PanelRecord.load(source=args.record)
    start = int(scenario.params.start_quarter[:4])
    check_origins(origins, horizons, record, str(args.config), start, args.baselines_only)
    budget, budget_note = cli_budget()
    if args.no_member_multipliers:
        budget = dataclasses.replace(budget, members=False)
    if args.pressure_multipliers:
        budget = dataclasses.replace(budget, pressure_multipliers=True)
    if args.posterior and args.baselines_only:
        raise HindcastError("--posterior with --baselines-only: a posterior needs the model")
    sampler = posterior.hindcast_budget() if args.posterior else None
    out = output_path(args.out) if args.out else Path("results") / f"hindcast-{scenario.name}"
    with output_folder(out, KIND, overwrite=args.overwrite) as folder:
        tables = run_hindcast(
            scenario.params,
            scenario.seed,
            origins,
            horizons,
            budget=budget,
            n_runs=args.runs,
            scheduled_shocks=args.scheduled_shocks,
            record=record,
            progress=lambda line: print(line, file=sys.stderr),
            with_model=not args.baselines_only,
            posterior_budget=sampler,
        )
        with folder.write() as tmp:
            files = output.write_outputs(tables.scores, tmp, tables.members, tables.rival)
            if not args.baselines_only:
                tables.fits.to_csv(tmp / "fits.csv", index=False)
                files.append(tmp / "fits.csv")
            if sampler is not None:
                tables.posteriors.to_csv(tmp / "posterior_fits.csv", index=False)
                files.append(tmp / "posterior_fits.csv")
            manifest = _manifest(args, scenario, record, budget_note, time.perf_counter() - t0)
            manifest["files"] = sorted([p.name for p in files] + [MANIFEST])
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(scores.summarise(tables.scores).to_string(index=False))
    print(rival.summarise(tables.rival).to_string(index=False))
    print(f"wrote {out}/", file=sys.stderr)
    return 0


def _manifest(
    args: argparse.Namespace, scenario: Any, record: PanelRecord, budget_note: str, seconds: float
) -> dict[str, Any]:
    """What made the folder: the command, its options, the record and the versions."""
    return {
        "kind": KIND,
        "command": f"{budget_note}python -m sim hindcast " + " ".join(sys.argv[2:]),
        "config": str(args.config),
        "scenario": scenario.name,
        "seed": scenario.seed,
        "origins": list(parse_years(args.origins)),
        "horizons": list(parse_horizons(args.horizons)),
        "runs": args.runs,
        "scheduled_shocks": bool(args.scheduled_shocks),
        "member_multipliers": not args.no_member_multipliers,
        "pressure_multipliers": bool(args.pressure_multipliers),
        "budget": "smoke (not the published hindcast)" if budget_note else "full",
        "record": f"{args.record}: {record.edition}, {record.years[0]}-{record.last_year}",
        "baselines_only": bool(args.baselines_only),
        "posterior": posterior.describe(posterior.hindcast_budget()) if args.posterior else None,
        "seconds": round(seconds, 1),
        "versions": package_versions(),
        "git": git_revision(),
    }
