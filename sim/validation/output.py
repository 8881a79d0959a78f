"""Writing a calibration's results: the fitted configs, the region table and the report.

This module owns turning a :class:`sim.validation.calibrate.CalibrationResult` into files: the
behaviour
config the forward scenarios can inherit (``behaviour.toml``; the committed one is
``configs/behaviour.toml``), the backcast-only values (``backcast_fitted.toml``), the per-region
and per-member multipliers, and the report tables (fit per member and year, counts, targets,
identification), plus the summary printed by ``python -m sim calibrate``. Where they go is the
caller's choice (``sim.validation.calibrate.cli_calibrate``); the written configs name their tables
so that
they are found from any folder (:func:`data_path`). The fitting itself is
``sim.validation.calibrate``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import resources
from sim.validation import backcast
from sim.validation.objective import (
    COUNT_WEIGHT,
    LAGGARD_WEIGHT,
    MEMBER_PRIOR_WEIGHT,
    POOLED,
    PRESSURE_REFERENCE_REGION,
    PRIOR_WEIGHT,
    THREAT_REFERENCE_REGION,
)
from sim.validation.result import BACKCAST_ONLY, CalibrationResult


def _header(result: CalibrationResult, command: str) -> list[str]:
    """The comment lines recording a fit: command, date, seed, loss and counts."""
    loss = result.loss
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    obj = result.objective
    pairs = zip(obj.count_years, loss["counts"], strict=True)
    counts = ", ".join(f"{y}: {c:.1f}" for y, c in pairs)
    held_out = (
        [
            f"# Held out of the loss: {obj.holdout_year} (an out-of-sample check; not the "
            "committed fit)."
        ]
        if obj.holdout_year is not None
        else []
    )
    return [
        f"# FITTED by `{command}` on {today}",
        f"# (seed {obj.seed}, {obj.budget.n_runs} replications with common random numbers, "
        f"{result.evaluations} evaluations).",
        f"# Loss {loss['loss']:.5f} = share MSE {loss['share_mse']:.5f} pp^2 (RMSE "
        f"{math.sqrt(loss['share_mse']):.3f} pp) + counts {loss['count_term']:.5f} + laggards "
        f"{loss['laggard_term']:.5f} + prior {loss['prior']:.5f}.",
        f"# Laggards' median gap-closing rate {loss['laggard_rate']:.4f}/yr (data "
        f"{obj.laggard_rate_data:.4f}).",
        f"# Mean allies at or above 2%: {counts} (data 3, 6, 9, 11, 22).",
        *held_out,
    ]


def _param_lines(result: CalibrationResult, names: list[str]) -> list[str]:
    """``name = value  # note`` for pooled parameters, fitted or held at their prior."""
    ident = result.identification.set_index("parameter")
    fitted = result.fitted_values()
    lines = []
    for name in names:
        if name in fitted:
            value = fitted[name]
            note = "fitted" if ident.loc[name, "identified"] else "fitted, NOT identified"
            if ident.loc[name, "at_bound"]:
                note += " (at a bound of the search)"
        else:
            value = getattr(result.params, name)
            note = "NOT fitted: held at its documented prior (see docs/VALIDATION.md)"
        lines.append(f"{name} = {value!r:<8} # {note}")
    return lines


def behaviour_toml(
    result: CalibrationResult,
    region_file: str,
    command: str,
    backcast_file: str = "",
    member_file: str = "",
) -> str:
    """The text of the fitted behaviour config (the file the forward scenarios inherit).

    It holds every pooled parameter except those of :data:`BACKCAST_ONLY` (see
    :func:`backcast_toml`).
    """
    where = f"are in {backcast_file}" if backcast_file else "are not written here"
    lines = [
        'name = "behaviour"',
        "description = \"Members' behavioural parameters fitted to the NATO record 2014-2024 "
        "(python -m sim calibrate configs/backcast_2014.toml); inherited by the forward "
        'scenarios"',
        "",
        *_header(result, command),
        "# Loss, fit per member and identification: docs/VALIDATION.md. Do not edit by hand:",
        "# rerun the calibration. The backcast-only values of the same fit "
        f"({', '.join(BACKCAST_ONLY)},",
        f"# sim.validation.calibrate.BACKCAST_ONLY) {where}; the forward scenarios keep them at 0.",
        "",
        "[params]",
        *_param_lines(result, [n for n, _, _ in POOLED if n not in BACKCAST_ONLY]),
    ]
    if result.objective.budget.regions:
        lines.append(f'region_behaviour_file = "{region_file}"  # fitted per-region multipliers')
    if result.objective.budget.members and member_file:
        lines.append(
            f'member_behaviour_file = "{member_file}"  # fitted per-member multipliers, '
            "relative to the region"
        )
    return "\n".join(lines) + "\n"


def backcast_toml(result: CalibrationResult, inherits: str, command: str) -> str:
    """The text of the backcast-only config: the :data:`BACKCAST_ONLY` values of the fit.

    Args:
        result: the fit.
        inherits: the fitted behaviour config, relative to this file.
        command: the command that ran the calibration (recorded in the header).
    """
    lines = [
        'name = "backcast_fitted"',
        'description = "Backcast-only parameters of the calibration (python -m sim calibrate '
        'configs/backcast_2014.toml); inherited by the backcast, not by the forward scenarios"',
        f'inherits = "{inherits}"',
        "",
        *_header(result, command),
        "# The backcast-only values (sim.validation.calibrate.BACKCAST_ONLY) of the fit recorded "
        "in the "
        "config this",
        "# file inherits: the Crimea shock of 2014 is in force from the backcast's first step "
        "but not in",
        "# its 2014 shares; the forward scenarios start from shares that already reflect it and "
        "keep it at 0.",
        "# Do not edit by hand: rerun the calibration.",
        "",
        "[params]",
        *_param_lines(result, [n for n, _, _ in POOLED if n in BACKCAST_ONLY]),
    ]
    return "\n".join(lines) + "\n"


def data_path(path: Path, root: Path | None = None) -> str:
    """How a written config names a file it refers to, so that it is found from any folder.

    Args:
        path: the file.
        root: a folder whose files are named relative to it (the source checkout, for files
            committed to it and read from its root, e.g. ``experiments/validation/holdout_2024``).

    Returns:
        ``configs/...`` for a file in the shipped configs folder (see
        :func:`sim.core.resources.locate`), the path relative to ``root`` for a file inside it, else
        the absolute path.
    """
    path = path.absolute().resolve()
    shipped = [resources.configs_dir()]
    checkout = resources.checkout_root()
    if checkout is not None:
        shipped.append(checkout / "configs")
    for folder in shipped:
        folder = folder.resolve()
        if path.is_relative_to(folder):
            return (Path("configs") / path.relative_to(folder)).as_posix()
    if root is not None and path.is_relative_to(root.resolve()):
        return path.relative_to(root.resolve()).as_posix()
    return path.as_posix()


def write_result(
    result: CalibrationResult,
    out: Path,
    region_file: Path,
    report: Path,
    command: str,
    backcast_file: Path | None = None,
    member_file: Path | None = None,
    *,
    root: Path | None = None,
) -> None:
    """Write the fitted config, its backcast-only config, its multiplier tables and the report.

    Args:
        result: the fit.
        out: the fitted behaviour config (every pooled value but :data:`BACKCAST_ONLY`).
        region_file: the per-region multipliers.
        report: the folder of the report.
        command: the command recorded in the headers.
        backcast_file: the backcast-only config, inheriting ``out`` (default: next to ``out``,
            ``<stem>_backcast.toml``).
        member_file: the per-member multipliers (default: next to ``out``,
            ``<stem>_members.csv``).
        root: name the tables relative to this folder when they are inside it (see
            :func:`data_path`; default: ``configs/...`` or absolute paths).
    """
    backcast_file = backcast_file or out.with_name(out.stem + "_backcast.toml")
    member_file = member_file or out.with_name(out.stem + "_members.csv")
    rel_region = data_path(region_file, root)
    members = result.objective.budget.members
    rel_member = data_path(member_file, root) if members else ""
    report.mkdir(parents=True, exist_ok=True)
    if result.objective.budget.regions:
        region_file.parent.mkdir(parents=True, exist_ok=True)
        table = result.region_table.merge(_region_identification(result), on="region")
        table.to_csv(region_file, index=False)
    if members:
        member_file.parent.mkdir(parents=True, exist_ok=True)
        table = result.member_table.merge(_member_identification(result), on="iso3")
        table.to_csv(member_file, index=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        behaviour_toml(result, rel_region, command, data_path(backcast_file, root), rel_member),
        encoding="utf-8",
    )
    backcast_file.parent.mkdir(parents=True, exist_ok=True)
    inherits = Path(os.path.relpath(out.resolve(), backcast_file.resolve().parent)).as_posix()
    backcast_file.write_text(backcast_toml(result, inherits, command), encoding="utf-8")
    fit = fit_of(result, rel_region, member_file=rel_member)
    fit.member_table().to_csv(report / "fit_member_years.csv", index=False)
    per_member(fit).to_csv(report / "fit_members.csv", index=False)
    fit.count_table().to_csv(report / "fit_counts.csv", index=False)
    fit.targets().to_csv(report / "backcast_targets.csv", index=False)
    result.identification.to_csv(report / "identification.csv", index=False)
    result.directions.to_csv(report / "identification_directions.csv", index=False)
    summary = {
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": result.objective.seed,
        "n_runs": result.objective.budget.n_runs,
        "budget": dataclasses.asdict(result.objective.budget),
        "evaluations": result.evaluations,
        "seconds": round(result.seconds, 1),
        "start_loss": result.start_loss,
        "loss": {k: float(v) for k, v in result.loss.items() if np.ndim(v) == 0},
        "fitted": result.fitted_values(),
        "backcast_only": list(BACKCAST_ONLY),
        "files": {
            "behaviour": data_path(out, root),
            "backcast": data_path(backcast_file, root),
            "regions": rel_region,
            "members": rel_member,
        },
        "holdout_year": result.objective.holdout_year,
        "region_multipliers": result.region_table.to_dict(orient="records"),
        "member_multipliers": (result.member_table.to_dict(orient="records") if members else []),
        "count_weight": COUNT_WEIGHT,
        "laggard_weight": LAGGARD_WEIGHT,
        "prior_weight": PRIOR_WEIGHT,
        "member_prior_weight": MEMBER_PRIOR_WEIGHT,
        "held_at_prior": {
            name: getattr(result.params, name) for name in result.objective.budget.fixed
        },
        "not_identified": list(
            result.identification.loc[~result.identification["identified"], "parameter"]
        ),
    }
    (report / "calibration.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _region_identification(result: CalibrationResult) -> pd.DataFrame:
    ident = result.identification.set_index("parameter")
    rows = []
    for region in result.objective.regions:
        note = []
        for kind, ref in (
            ("threat_multiplier", THREAT_REFERENCE_REGION),
            ("pressure_multiplier", PRESSURE_REFERENCE_REGION),
        ):
            key = f"{kind}:{region}"
            if region == ref:
                note.append(f"{kind} reference (fixed at 1)")
            elif not ident.loc[key, "identified"]:
                note.append(f"{kind} not identified")
        rows.append({"region": region, "note": "; ".join(note) or "fitted"})
    return pd.DataFrame(rows)


def _member_identification(result: CalibrationResult) -> pd.DataFrame:
    ident = result.identification.set_index("parameter")
    rows = []
    for code in result.objective.armed_iso3:
        note = [
            f"{kind} not identified"
            for kind in ("threat_multiplier", "pressure_multiplier")
            if not ident.loc[f"{kind}:{code}", "identified"]
        ]
        rows.append({"iso3": code, "note": "; ".join(note) or "fitted"})
    return pd.DataFrame(rows)


def relative(path: Path) -> str:
    """A path relative to the current folder where it lies inside it, else absolute (messages)."""
    path = path.absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def fit_of(
    result: CalibrationResult,
    region_file: str = "",
    n_runs: int | None = None,
    member_file: str = "",
) -> backcast.BackcastFit:
    """The fitted backcast, run through the ensemble (``sim.core.ensemble.simulate``), compared."""
    from sim.core.ensemble import simulate

    obj = result.objective
    n = n_runs or obj.budget.n_runs
    seeds = backcast.replication_seeds(obj.seed, n)
    params = dataclasses.replace(
        result.params, region_behaviour_file=region_file, member_behaviour_file=member_file
    )
    traj = simulate([params] * n, seeds, members=obj.members_of(result.x), keep_members=True)
    return backcast.compare(traj, obj.record)


def per_member(fit: backcast.BackcastFit) -> pd.DataFrame:
    """Fit per member over the years with data after 2014: RMSE, bias, years, 2024 values."""
    table = fit.member_table()
    table = table[(table["year"] > 2014) & table["data"].notna()]
    rows = []
    for code, g in table.groupby("iso3", sort=False):
        last = g[g["year"] == 2024]
        rows.append(
            {
                "iso3": code,
                "years": len(g),
                "rmse_pp": float(np.sqrt(np.mean(g["error"] ** 2))),
                "bias_pp": float(g["error"].mean()),
                "in_band_fraction": float(g["in_band"].mean()),
                "model_2024": float(last["model_mean"].iloc[0]) if len(last) else math.nan,
                "data_2024": float(last["data"].iloc[0]) if len(last) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def summary_text(result: CalibrationResult) -> str:
    """A readable summary of a calibration."""
    loss = result.loss
    lines = [
        f"loss {loss['loss']:.5f} (start {result.start_loss:.5f}): share RMSE "
        f"{math.sqrt(loss['share_mse']):.3f} pp, count term {loss['count_term']:.5f}, "
        f"laggard term {loss['laggard_term']:.5f} (rate {loss['laggard_rate']:.4f}/yr, "
        f"data {result.objective.laggard_rate_data:.4f}), prior {loss['prior']:.5f}"
    ]
    levels = {c.name: c.level for c in result.objective.coords}
    ident = result.identification
    shared = ident[[levels[p] != "member" for p in ident["parameter"]]]
    for _, row in shared.iterrows():
        flag = (
            ""
            if row["identified"]
            else "   NOT IDENTIFIED" + (" (at bound)" if row["at_bound"] else " (wide interval)")
        )
        lines.append(
            f"  {row['parameter']:<40} {row['value']:8.4f}  95% "
            f"[{row['ci95_low']:.3g}, {row['ci95_high']:.3g}]{flag}"
        )
    own = ident[[levels[p] == "member" for p in ident["parameter"]]]
    if len(own):
        far = own.assign(dist=np.abs(np.log(own["value"]))).nlargest(6, "dist")
        lines.append(
            f"  member multipliers (relative to the region): {len(own)} fitted, "
            f"{int(own['identified'].sum())} identified; farthest from 1: "
            + ", ".join(f"{p} {v:.2f}" for p, v in zip(far["parameter"], far["value"], strict=True))
        )
    flat = result.directions.iloc[0]
    lines.append(
        f"flattest direction (relative eigenvalue {flat['relative']:.2e}): {flat['loadings']}"
    )
    counts = ", ".join(
        f"{y}: {c:.1f}" for y, c in zip(result.objective.count_years, loss["counts"], strict=True)
    )
    lines.append(f"allies at or above 2% (model mean): {counts}")
    return "\n".join(lines)
