"""The options of ``python -m sim calibrate``: which combinations it refuses, where it writes.

This module owns checking the command's options (:func:`check_options`), the files a run
writes (:func:`destinations`: ``results/calibration-seed<seed>/`` by default, next to ``--out``,
or the committed fit with ``--in-place``) and the command line recorded in the written headers
(:func:`command_line`). Running the command is ``sim.validation.calibrate.cli_calibrate``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import UserError
from sim.validation.fit_targets import FIT_YEARS

DEFAULT_OUT = "configs/behaviour.toml"
"""The committed fit, relative to the source checkout: what ``--in-place`` rewrites."""
DEFAULT_REGION_TABLE = "configs/data/behaviour_by_region.csv"
DEFAULT_MEMBER_TABLE = "configs/data/behaviour_by_member.csv"
DEFAULT_BACKCAST_OUT = "configs/data/backcast_fitted.toml"
RESULTS = "results"
"""Where ``python -m sim calibrate`` writes by default: ``results/calibration-seed<seed>/``
under the current folder, never a tracked file."""
BUDGET_ENV = "SIM_CALIBRATE_BUDGET"
"""Environment variable choosing the command's budget: unset (or ``full``) for
``sim.validation.calibrate.CLI_BUDGET``, ``smoke`` for ``sim.validation.calibrate.SMOKE_BUDGET``."""


def budget_from_env[T](full: T, smoke: T) -> tuple[T, str]:
    """The budget :data:`BUDGET_ENV` chooses, and how to name it in a recorded command.

    Returns:
        ``(full, "")`` when the variable is unset or ``full``; ``smoke`` and the text
        ``"SIM_CALIBRATE_BUDGET=smoke "`` when it is ``smoke``.

    Raises:
        CalibrationError: for any other value.
    """
    choice = os.environ.get(BUDGET_ENV, "").strip().lower()
    if choice in ("", "full"):
        return full, ""
    if choice == "smoke":
        return smoke, f"{BUDGET_ENV}=smoke "
    raise CalibrationError(
        BUDGET_ENV, repr(choice), "unset, 'full' or 'smoke' (a tiny budget for smoke tests only)"
    )


class CalibrationError(ValueError, UserError):
    """A calibration option has an impossible value."""

    def __init__(self, option: str, value: object, expected: str) -> None:
        super().__init__(f"{option} {value}: expected {expected}")


class InPlaceError(ValueError, UserError):
    """``--in-place`` cannot update the committed fit (no checkout, or a conflicting option)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"--in-place {reason}")


@dataclass(frozen=True)
class Destinations:
    """The files one run of the command writes."""

    out: Path
    """The fitted behaviour config."""
    region_file: Path
    member_file: Path
    backcast_file: Path
    """The backcast-only config (``sim.validation.result.BACKCAST_ONLY``)."""
    report: Path
    """The report's folder."""


def check_options(
    args: argparse.Namespace, budget_note: str, root: Path | None
) -> tuple[int | None, bool]:
    """The command's hold-out year and ``--in-place`` flag, once their combination is allowed.

    Args:
        args: the parsed command line (``out``, ``holdout_year``, ``in_place``).
        budget_note: ``""`` for the full budget, else how the command names the smoke budget.
        root: the source checkout, or None when sim runs from an installed package.

    Raises:
        InPlaceError: ``--in-place`` with ``--out``, ``--holdout-year``, the smoke budget or no
            checkout.
        CalibrationError: ``--holdout-year`` without ``--out`` or not a year with data.
    """
    holdout = getattr(args, "holdout_year", None)
    in_place = getattr(args, "in_place", False)
    if in_place:
        if args.out:
            raise InPlaceError(
                "updates the committed fit in configs/; it cannot be combined "
                "with --out (drop one of them)"
            )
        if holdout is not None:
            raise InPlaceError(
                "cannot be combined with --holdout-year: a fit that leaves a "
                "year out must not replace the committed one"
            )
        if budget_note:
            raise InPlaceError(
                f"cannot be used with {BUDGET_ENV}=smoke: a smoke-test fit "
                "must not replace the committed one"
            )
        if root is None:
            raise InPlaceError(
                "updates the committed fit in a source checkout, but sim runs "
                "from an installed package (no checkout): drop --in-place to "
                "write to results/, or use --out PATH"
            )
    if holdout is not None:
        if not args.out:
            raise CalibrationError(
                "--holdout-year",
                holdout,
                "--out PATH as well (a fit that leaves a year out must be "
                "written where it cannot be taken for the full fit)",
            )
        if holdout not in FIT_YEARS:
            raise CalibrationError("--holdout-year", holdout, f"one of {list(FIT_YEARS)}")
    return holdout, in_place


def destinations(
    out_option: str | None, in_place: bool, seed: int, root: Path | None
) -> Destinations:
    """Where a run writes (see ``sim.validation.calibrate.cli_calibrate``).

    Args:
        out_option: ``--out`` as given, or None.
        in_place: ``--in-place`` (checked by :func:`check_options`: ``root`` is then set).
        seed: the calibration's seed (names the default folder).
        root: the source checkout, or None.

    Raises:
        CalibrationError: when ``--out`` names the committed fit.
    """
    folder = Path.cwd() / RESULTS / f"calibration-seed{seed}"
    if in_place:
        assert root is not None
        return Destinations(
            root / DEFAULT_OUT,
            root / DEFAULT_REGION_TABLE,
            root / DEFAULT_MEMBER_TABLE,
            root / DEFAULT_BACKCAST_OUT,
            folder,
        )
    if not out_option:
        return Destinations(
            folder / "behaviour.toml",
            folder / "behaviour_by_region.csv",
            folder / "behaviour_by_member.csv",
            folder / "backcast_fitted.toml",
            folder,
        )
    out = Path(out_option).absolute()
    if root is not None and out.resolve() == (root / DEFAULT_OUT).resolve():
        raise CalibrationError(
            "--out",
            out_option,
            "another path: this is the committed fit (use --in-place to update it)",
        )
    return Destinations(
        out,
        out.with_name(out.stem + "_regions.csv"),
        out.with_name(out.stem + "_members.csv"),
        out.with_name(out.stem + "_backcast.toml"),
        out.with_name(out.stem + "_report"),
    )


def command_line(
    args: argparse.Namespace, budget_note: str, holdout: int | None, in_place: bool
) -> str:
    """The command recorded in the written headers (the options given, in a fixed order)."""
    command = f"{budget_note}python -m sim calibrate {args.config}"
    if args.seed is not None:
        command += f" --seed {args.seed}"
    if holdout is not None:
        command += f" --holdout-year {holdout}"
    if args.out:
        command += f" --out {args.out}"
    if in_place:
        command += " --in-place"
    return command
