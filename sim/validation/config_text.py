"""The text of a calibration's fitted configs: the behaviour config and the backcast-only one.

This module owns the TOML text ``python -m sim calibrate`` writes (:func:`behaviour_toml`, the
config the forward scenarios inherit, and :func:`backcast_toml`, the backcast-only values), with
the header recording the fit (command, date, seed, loss and counts). Writing them, with the tables
and the report, is ``sim.validation.output``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sim.validation.result import BACKCAST_ONLY, CalibrationResult
from sim.validation.search_space import POOLED


def _header(result: CalibrationResult, command: str) -> list[str]:
    """The comment lines recording a fit: command, date, seed, loss and counts."""
    loss = result.loss
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    obj = result.objective
    pairs = zip(obj.count_years, loss["counts"], obj.count_data, strict=True)
    counts = ", ".join(f"{y}: {c:.1f} ({d:.0f})" for y, c, d in pairs)
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
        f"# Mean allies at or above 2% (data): {counts}.",
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
