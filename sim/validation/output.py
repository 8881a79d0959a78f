"""Writing a calibration's results: the fitted configs, the multiplier tables and the report.

This module owns turning a :class:`sim.validation.result.CalibrationResult` into files: the
behaviour config the forward scenarios can inherit (``behaviour.toml``; the committed one is
``configs/behaviour.toml``), the backcast-only values (``backcast_fitted.toml``; their text is
``sim.validation.config_text``), the per-region and per-member multipliers, and the report tables
(fit per member and year, counts, targets, identification, ``calibration.json``), plus the
summary printed by ``python -m sim calibrate``. Where they go is the caller's choice
(``sim.validation.calibrate.cli_calibrate``); the written configs name their tables so that they
are found from any folder (:func:`data_path`). The fitting itself is ``sim.validation.calibrate``.
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
from sim.validation.config_text import backcast_toml, behaviour_toml
from sim.validation.loss import COUNT_WEIGHT, LAGGARD_WEIGHT, MEMBER_PRIOR_WEIGHT, PRIOR_WEIGHT
from sim.validation.result import BACKCAST_ONLY, CalibrationResult
from sim.validation.search_space import PRESSURE_REFERENCE_REGION, THREAT_REFERENCE_REGION


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
    files = {
        "behaviour": data_path(out, root),
        "backcast": data_path(backcast_file, root),
        "regions": data_path(region_file, root),
        "members": data_path(member_file, root) if result.objective.budget.members else "",
    }
    report.mkdir(parents=True, exist_ok=True)
    _write_tables(result, region_file, member_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        behaviour_toml(result, files["regions"], command, files["backcast"], files["members"]),
        encoding="utf-8",
    )
    backcast_file.parent.mkdir(parents=True, exist_ok=True)
    inherits = Path(os.path.relpath(out.resolve(), backcast_file.resolve().parent)).as_posix()
    backcast_file.write_text(backcast_toml(result, inherits, command), encoding="utf-8")
    _write_report(result, report, files["regions"], files["members"])
    summary = _summary(result, command, files)
    (report / "calibration.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _write_tables(result: CalibrationResult, region_file: Path, member_file: Path) -> None:
    """Write the fitted region and member multipliers (each when fitted), with their notes."""
    if result.objective.budget.regions:
        region_file.parent.mkdir(parents=True, exist_ok=True)
        table = result.region_table.merge(_region_identification(result), on="region")
        table.to_csv(region_file, index=False)
    if result.objective.budget.members:
        member_file.parent.mkdir(parents=True, exist_ok=True)
        table = result.member_table.merge(_member_identification(result), on="iso3")
        table.to_csv(member_file, index=False)


def _write_report(
    result: CalibrationResult, report: Path, region_file: str, member_file: str
) -> None:
    """Write the report's tables: the fit per member and year, counts, targets, identification.

    Args:
        result: the fit.
        report: the report's folder (exists).
        region_file: how the fitted config names the region table.
        member_file: how it names the member table (``""`` when members are not fitted).
    """
    fit = fit_of(result, region_file, member_file=member_file)
    fit.member_table().to_csv(report / "fit_member_years.csv", index=False)
    per_member(fit).to_csv(report / "fit_members.csv", index=False)
    fit.count_table().to_csv(report / "fit_counts.csv", index=False)
    fit.targets().to_csv(report / "backcast_targets.csv", index=False)
    result.identification.to_csv(report / "identification.csv", index=False)
    result.directions.to_csv(report / "identification_directions.csv", index=False)


def _summary(result: CalibrationResult, command: str, files: dict[str, str]) -> dict[str, object]:
    """The report's ``calibration.json``: the command, budget, loss, fitted values and files."""
    obj = result.objective
    return {
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": obj.seed,
        "n_runs": obj.budget.n_runs,
        "budget": dataclasses.asdict(obj.budget),
        "evaluations": result.evaluations,
        "seconds": round(result.seconds, 1),
        "start_loss": result.start_loss,
        "loss": {k: float(v) for k, v in result.loss.items() if np.ndim(v) == 0},
        "fitted": result.fitted_values(),
        "backcast_only": list(BACKCAST_ONLY),
        "files": files,
        "holdout_year": obj.holdout_year,
        "region_multipliers": result.region_table.to_dict(orient="records"),
        "member_multipliers": (
            result.member_table.to_dict(orient="records") if obj.budget.members else []
        ),
        "count_weight": COUNT_WEIGHT,
        "laggard_weight": LAGGARD_WEIGHT,
        "prior_weight": PRIOR_WEIGHT,
        "member_prior_weight": MEMBER_PRIOR_WEIGHT,
        "held_at_prior": {name: getattr(result.params, name) for name in obj.budget.fixed},
        "not_identified": list(
            result.identification.loc[~result.identification["identified"], "parameter"]
        ),
    }


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
            elif key not in ident.index:
                note.append(f"{kind} not fitted (1)")
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
            if f"{kind}:{code}" in ident.index and not ident.loc[f"{kind}:{code}", "identified"]
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
