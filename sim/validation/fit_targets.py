"""The calibration's targets: what the fit is compared with in the NATO record 2014-2024.

This module owns :class:`FitTargets`, the observed values the loss of ``python -m sim calibrate``
compares the model with (``sim.validation.loss``): every armed member's core share in each year
with data after 2014, NATO's count of allies at or above 2% in :data:`COUNT_FIT_YEARS`, and the
median gap-closing rate of the allies still below 2% in 2024 (docs/THEORY.md §6 target 7;
``sim.validation.backcast.gap_closing_rate``). ``--holdout-year`` leaves one year's shares and
count out (and, for 2024, the laggards' rate, which needs the 2024 shares).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.data import Members
from sim.validation import backcast
from sim.validation.hindcast.record import PanelRecord

FIT_YEARS = backcast.DATA_YEARS
COUNT_FIT_YEARS = FIT_YEARS


@dataclass(frozen=True)
class FitTargets:
    """The observed values a calibration fits, and which of them the loss uses.

    Attributes:
        record: the record (``sim.validation.backcast.load_record``).
        holdout_year: the year left out of the loss, or None.
        years: 2014 (the initial state) and :data:`FIT_YEARS`.
        observed: the members' observed shares (year, member), NaN where there are no data.
        mask: which of ``observed`` the loss uses (armed members with data, after 2014, not the
            held-out year).
        count_years: the years of the counts at 2% (``sim.validation.backcast.COUNT_YEARS``).
        count_data: NATO's count for each of ``count_years``.
        count_fit: which of ``count_years`` the loss uses.
        laggards: positions of the armed members below 2% in 2024.
        laggard_start: their 2014 shares.
        laggard_rate_data: their observed median gap-closing rate (1/yr).
        fit_laggards: whether the loss uses the laggards' rate (not when 2024 is held out).
    """

    record: backcast.Record
    holdout_year: int | None
    years: tuple[int, ...]
    observed: np.ndarray
    mask: np.ndarray
    count_years: tuple[int, ...]
    count_data: np.ndarray
    count_fit: np.ndarray
    laggards: np.ndarray
    laggard_start: np.ndarray
    laggard_rate_data: float
    fit_laggards: bool

    @classmethod
    def of(cls, members: Members, holdout_year: int | None = None) -> FitTargets:
        """The targets of a calibration of ``members``: every year of the record 2014-2024.

        Args:
            members: the backcast's members (their order is the order of ``observed``).
            holdout_year: a year whose shares and count are left out of the loss (an
                out-of-sample check; None: every year with data is fitted).

        Raises:
            ValueError: when ``holdout_year`` is not one of :data:`FIT_YEARS`.
        """
        if holdout_year is not None and holdout_year not in FIT_YEARS:
            raise ValueError(f"holdout year {holdout_year}: expected one of {FIT_YEARS}")
        targets = cls.from_panel(members, PanelRecord.load())
        if holdout_year is None:
            return targets
        j = targets.years.index(holdout_year)
        mask, count_fit = targets.mask.copy(), targets.count_fit.copy()
        mask[j] = False
        count_fit[j] = False
        return dataclasses.replace(
            targets,
            holdout_year=holdout_year,
            mask=mask,
            count_fit=count_fit,
            fit_laggards=targets.fit_laggards and holdout_year != 2024,
        )

    @classmethod
    def from_panel(cls, members: Members, panel: PanelRecord) -> FitTargets:
        """The targets of a fit to every year of a panel record (the hindcast's fits).

        Every armed member's share in every year after the first (the initial state), and NATO's
        count at 2% in each of those years. The laggards' gap-closing rate (2014 to 2024) is
        fitted only when the record runs from 2014 to 2024; a record cut at an origin before 2024
        (``PanelRecord.until``) has no laggards.

        Args:
            members: the backcast's members (their order is the order of ``observed``).
            panel: the record, as known at the fit's origin.

        Raises:
            ValueError: when a member is not in the record (which has a row, NaN where the table
                has no figure, for each member of ``seeds/nato_members.csv``).
        """
        years = panel.years
        missing = [c for c in members.iso3 if c not in panel.iso3]
        if missing:
            raise ValueError(f"members {missing} are not in the record ({panel.edition})")
        order = [panel.iso3.index(c) for c in members.iso3]
        observed = panel.shares[:, order]
        mask = ~np.isnan(observed) & members.armed[None, :]
        mask[0] = False  # the first year is the initial state
        counts = {y: int(panel.count(panel.year(y), y)) for y in years}
        record = backcast.Record(
            tuple(members.iso3),
            pd.DataFrame(observed.T, index=list(members.iso3), columns=list(years)),
            pd.Series(panel.accession_year[order], index=list(members.iso3)),
            counts,
        )
        laggards = np.array([], dtype=int)
        laggard_start = np.array([])
        rate = float("nan")
        fit_laggards = years[0] == 2014 and 2024 in years
        if fit_laggards:
            end = observed[years.index(2024)]
            laggards = np.flatnonzero(members.armed & (end < backcast.TARGET_LINE))
            laggard_start = observed[0, laggards]
            rate = float(np.median(backcast.gap_closing_rate(laggard_start, end[laggards])))
        return cls(
            record=record,
            holdout_year=None,
            years=years,
            observed=observed,
            mask=mask,
            count_years=years,
            count_data=np.array([counts[y] for y in years], float),
            count_fit=np.array([y > years[0] for y in years]),
            laggards=laggards,
            laggard_start=laggard_start,
            laggard_rate_data=rate,
            fit_laggards=fit_laggards,
        )
