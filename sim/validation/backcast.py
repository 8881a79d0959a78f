"""The NATO record 2014-2024 and the backcast's fit to it (docs/THEORY.md §6, targets 6-7).

This module owns reading the observed record from ``seeds/`` and comparing a backcast ensemble
with it. Nothing here fits parameters (that is ``sim.validation.calibrate``); everything here is
shared by
the calibration's loss, the validation tests and ``experiments/validation``.

Conventions, chosen once:

* **Model year.** NATO's shares are annual (a year's spending over the year's GDP). The model's
  value for year Y is the mean of its quarterly core shares in Y; in the start year (2014, run
  from 2014Q3) that is the mean of the quarters the run has.
* **Counts.** A member counts as "at or above 2%" in year Y if its annual share rounded to two
  decimals is at least 2.00, as NATO's published two-decimal figures are counted (Slovakia's
  2.00 in 2024 counts), and only if it was an ally in Y (``accession_year`` <= Y; Iceland, with
  no armed forces, never counts). The observed counts are taken from NATO's table by that rule.
* **Observed shares.** Every ally's share in every year 2014-2024 from one edition of NATO's
  Table 3, June 2024 (``sim.validation.hindcast.record.PanelRecord``; docs/VALIDATION.md, *The
  record*): 2024 is NATO's estimate of that edition (23 allies at or above 2%), and the counts of
  every year are taken from the table with the rule above. The run's 2014 state is
  ``share_2014`` of ``seeds/nato_members.csv`` (S02), which agrees with the June 2024 edition's
  2014 within 0.022 pp for every ally.
* **Ensemble statistics.** Targets use the mean over replications; bands are the 5% and 95%
  quantiles over replications (a 90% band).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.data import NO_ARMED_FORCES
from sim.core.ensemble import Trajectories, simulate
from sim.core.members import members_of
from sim.core.metrics import MEMBER_COLUMNS
from sim.core.params import Params
from sim.core.targets import TARGETS
from sim.validation.hindcast.record import PanelRecord

DATA_YEARS = tuple(range(2015, 2025))
"""Years after the start with observed member shares: every year of NATO's table."""
COUNT_YEARS = (2014, *DATA_YEARS)
"""Years with a count of allies at or above 2%, taken from the table."""
TARGET_LINE = TARGETS["2pct"].value
"""The line the record counts members at or above: 2% core (``sim.core.targets``)."""
N_TOP = 5
COUNT_2024_RANGE = (21, 25)
"""docs/THEORY.md §6 target 6: pattern-level pass, 21-25 allies at or above 2% in 2024."""
MEDIAN_TOLERANCE_PP = 0.15
"""Issue 5: the model's 2024 median within 0.15 pp of the data's."""
TOP_MATCH_MIN = 4
"""docs/THEORY.md §6 target 6: at least 4 of the 5 highest non-US shares right."""
LAGGARD_TOLERANCE_PER_YEAR = 0.02
"""Target 7 ("near the observed rate"): the median gap-closing rate of the laggards within
0.02/yr of the observed median (about half the observed median of 0.04/yr, docs/THEORY.md §3.3)."""


@dataclass(frozen=True)
class Record:
    """The observed record: member shares by year, accession years and yearly counts."""

    iso3: tuple[str, ...]
    shares: pd.DataFrame  # index iso3, columns years (NaN where no data)
    accession_year: pd.Series  # index iso3
    counts: dict[int, int]  # year -> allies at or above 2%

    def observed(self, year: int) -> pd.Series:
        """The observed shares of a year (members with data only)."""
        return self.shares[year].dropna()


@functools.lru_cache(maxsize=4)
def load_record(edition: str = "2024-06") -> Record:
    """The observed record: NATO's table of one edition, 2014-2024, and its yearly counts at 2%.

    Args:
        edition: a key of ``sim.core.panel.NATO_EDITIONS`` (default: June 2024, the latest
            complete edition; docs/VALIDATION.md, *The record*).
    """
    panel = PanelRecord.load(edition=edition)
    shares = pd.DataFrame(panel.shares.T, index=list(panel.iso3), columns=list(panel.years))
    counts = {y: int(panel.count(panel.year(y), y)) for y in panel.years}
    accession = pd.Series(panel.accession_year, index=list(panel.iso3))
    return Record(panel.iso3, shares, accession, counts)


def annual_shares(traj: Trajectories, years: tuple[int, ...] = (2014, *DATA_YEARS)) -> np.ndarray:
    """Each run's annual core shares: the mean of the year's quarters (R, len(years), N)."""
    if traj.members is None:
        raise ValueError("the backcast needs member series (simulate(..., keep_members=True))")
    core = traj.members[:, :, :, MEMBER_COLUMNS.index("core_share_pct")]
    year_of = np.array([int(q[:4]) for q in traj.quarters])
    out = np.empty((core.shape[0], len(years), core.shape[2]))
    for j, year in enumerate(years):
        rows = year_of == year
        if not rows.any():
            raise ValueError(f"the run has no quarter in {year}")
        out[:, j] = core[:, rows].mean(axis=1)
    return out


def counts_at_line(
    shares: np.ndarray,
    iso3: tuple[str, ...],
    years: tuple[int, ...],
    record: Record,
    line: float = TARGET_LINE,
) -> np.ndarray:
    """Allies at or above a line in each year (R, len(years)), counted as NATO counts."""
    joined = dict(zip(record.accession_year.index, record.accession_year.to_numpy(), strict=True))
    accession = np.array([joined.get(code, np.nan) for code in iso3], dtype=float)  # NaN: absent
    armed = np.array([code not in NO_ARMED_FORCES for code in iso3])
    out = np.empty((shares.shape[0], len(years)))
    for j, year in enumerate(years):
        ally = (accession <= year) & armed
        out[:, j] = ((np.round(shares[:, j], 2) >= line) & ally[None, :]).sum(axis=1)
    return out


def gap_closing_rate(
    share_start: np.ndarray, share_end: np.ndarray, years: float = 10.0, line: float = TARGET_LINE
) -> np.ndarray:
    """Geometric rate at which the gap to the line closes, 1 - (gap_end/gap_start)^(1/years).

    docs/THEORY.md §3.3: for a member below the line in both years. A gap closed or overshot counts
    as 1 (closed); a member starting at or above the line gives NaN. The root is taken by the C
    library's ``pow`` one value at a time, not by numpy's, which some CPUs (AVX-512) compute
    with other code and other last bits: the calibration's loss holds this rate.
    """
    gap0 = line - np.asarray(share_start, dtype=float)
    gap1 = line - np.asarray(share_end, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gap0 > 0, gap1 / gap0, np.nan)
    magnitude = np.abs(ratio)
    root = np.array([math.pow(v, 1 / years) for v in magnitude.ravel().tolist()], dtype=float)
    rate = np.where(ratio > 0, 1 - root.reshape(magnitude.shape), 1.0)
    return np.where(np.isnan(ratio), np.nan, rate)


@dataclass(frozen=True)
class BackcastFit:
    """A backcast ensemble compared with the record (all statistics over replications)."""

    iso3: tuple[str, ...]
    years: tuple[int, ...]
    shares: np.ndarray  # (R, Y, N) annual shares
    counts: np.ndarray  # (R, len(COUNT_YEARS))
    record: Record

    @property
    def mean_shares(self) -> pd.DataFrame:
        """Mean annual share over replications (index iso3, columns years)."""
        return pd.DataFrame(
            self.shares.mean(axis=0).T, index=list(self.iso3), columns=list(self.years)
        )

    def member_table(self) -> pd.DataFrame:
        """Model against data per member and year with data: mean, 90% band, error."""
        rows = []
        lo = np.quantile(self.shares, 0.05, axis=0)
        hi = np.quantile(self.shares, 0.95, axis=0)
        mean = self.shares.mean(axis=0)
        for j, year in enumerate(self.years):
            for i, code in enumerate(self.iso3):
                if code in NO_ARMED_FORCES:
                    continue
                obs = (
                    self.record.shares.at[code, year]
                    if code in self.record.shares.index
                    else math.nan
                )
                rows.append(
                    {
                        "iso3": code,
                        "year": year,
                        "model_mean": mean[j, i],
                        "model_p05": lo[j, i],
                        "model_p95": hi[j, i],
                        "data": obs,
                        "error": mean[j, i] - obs,
                        "in_band": bool(lo[j, i] - 0.005 <= obs <= hi[j, i] + 0.005)
                        if not math.isnan(obs)
                        else None,
                    }
                )
        return pd.DataFrame(rows)

    def count_table(self) -> pd.DataFrame:
        """Allies at or above 2% per year: model mean and 90% band against the data."""
        rows = []
        for j, year in enumerate(COUNT_YEARS):
            c = self.counts[:, j]
            rows.append(
                {
                    "year": year,
                    "model_mean": c.mean(),
                    "model_p05": np.quantile(c, 0.05),
                    "model_p95": np.quantile(c, 0.95),
                    "data": self.record.counts.get(year, math.nan),
                }
            )
        return pd.DataFrame(rows)

    def _share_at(self, year: int) -> np.ndarray:
        return self.shares[:, self.years.index(year)]

    def median_2024(self) -> np.ndarray:
        """Each run's median 2024 share over the armed members (R,)."""
        armed = [i for i, c in enumerate(self.iso3) if c not in NO_ARMED_FORCES]
        return np.median(self._share_at(2024)[:, armed], axis=1)

    def top_non_us(self, shares: np.ndarray | pd.Series, n: int = N_TOP) -> set[str]:
        """The n members with the highest shares, the US excluded."""
        s = pd.Series(np.asarray(shares), index=list(self.iso3)).drop(
            ["USA", *NO_ARMED_FORCES], errors="ignore"
        )
        return set(s.sort_values(ascending=False).index[:n])

    def laggard_rates(self) -> pd.DataFrame:
        """Gap-closing rates 2014-2024 of the allies below 2% in 2024 (docs/THEORY.md §3.3)."""
        obs24 = self.record.shares[2024]
        laggards = [
            c
            for c in self.iso3
            if c not in NO_ARMED_FORCES and obs24.get(c, math.nan) < TARGET_LINE
        ]
        idx = [self.iso3.index(c) for c in laggards]
        s14 = self.record.shares.loc[laggards, 2014].to_numpy()
        model = self._share_at(2024).mean(axis=0)[idx]
        return pd.DataFrame(
            {
                "iso3": laggards,
                "share_2014": s14,
                "data_2024": obs24[laggards].to_numpy(),
                "model_2024": model,
                "rate_data": gap_closing_rate(s14, obs24[laggards].to_numpy()),
                "rate_model": gap_closing_rate(s14, model),
            }
        )

    def targets(self) -> pd.DataFrame:
        """The backcast targets of docs/THEORY.md §6 (6-7) and issue 5, each with a pass flag."""
        record = self.record
        j24 = COUNT_YEARS.index(2024)
        c24 = self.counts[:, j24]
        armed = [c for c in self.iso3 if c not in NO_ARMED_FORCES]
        data_median = float(np.median(record.shares.loc[armed, 2024]))
        med = self.median_2024()
        data_top = self.top_non_us(record.shares[2024].reindex(list(self.iso3)).fillna(0.0))
        model_top = self.top_non_us(self._share_at(2024).mean(axis=0))
        per_run_top = np.array(
            [len(self.top_non_us(run) & data_top) for run in self._share_at(2024)]
        )
        lag = self.laggard_rates()
        rate_model, rate_data = np.nanmedian(lag["rate_model"]), np.nanmedian(lag["rate_data"])
        rows = [
            _target_row(
                "allies >= 2% in 2024",
                c24.mean(),
                c24,
                record.counts[2024],
                "mean in [21, 25]",
                COUNT_2024_RANGE[0] <= c24.mean() <= COUNT_2024_RANGE[1],
            ),
            _target_row(
                "median share 2024 (pp)",
                med.mean(),
                med,
                data_median,
                f"within {MEDIAN_TOLERANCE_PP} pp",
                abs(med.mean() - data_median) <= MEDIAN_TOLERANCE_PP,
            ),
            _target_row(
                "top-5 non-US shares 2024 matched",
                len(model_top & data_top),
                per_run_top,
                N_TOP,
                ">= 4 of 5 (model mean shares)",
                len(model_top & data_top) >= TOP_MATCH_MIN,
            ),
            _target_row(
                "laggards' median gap-closing rate (1/yr)",
                float(rate_model),
                None,
                float(rate_data),
                f"within {LAGGARD_TOLERANCE_PER_YEAR}/yr",
                abs(rate_model - rate_data) <= LAGGARD_TOLERANCE_PER_YEAR,
            ),
        ]
        return pd.DataFrame(rows + self._earlier_count_rows())

    def _earlier_count_rows(self) -> list[dict[str, object]]:
        """The targets' rows of the counts at 2% before 2024: the data within the 90% band."""
        rows = []
        for j, year in enumerate(COUNT_YEARS[:-1]):
            c = self.counts[:, j]
            low, high = np.quantile(c, 0.05), np.quantile(c, 0.95)
            in_band = low - 0.5 <= self.record.counts[year] <= high + 0.5
            rows.append(
                _target_row(
                    f"allies >= 2% in {year}",
                    c.mean(),
                    c,
                    self.record.counts[year],
                    "data within the 90% band",
                    in_band,
                )
            )
        return rows

    def model_top(self) -> list[str]:
        """The five highest non-US mean shares of the model in 2024, highest first."""
        s = pd.Series(self._share_at(2024).mean(axis=0), index=list(self.iso3))
        return list(s.drop(["USA", *NO_ARMED_FORCES]).sort_values(ascending=False).index[:N_TOP])


def _target_row(
    target: str,
    model: float,
    runs: np.ndarray | None,
    data: float,
    criterion: str,
    passed: bool,
) -> dict[str, object]:
    """One row of :meth:`BackcastFit.targets`.

    Its model value, the 90% band over the runs (NaN without ``runs``), the data, the criterion
    and whether it passes.
    """
    return {
        "target": target,
        "model": model,
        "p05": np.quantile(runs, 0.05) if runs is not None else math.nan,
        "p95": np.quantile(runs, 0.95) if runs is not None else math.nan,
        "data": data,
        "criterion": criterion,
        "pass": passed,
    }


def compare(traj: Trajectories, record: Record | None = None) -> BackcastFit:
    """Compare a backcast ensemble (with member series) with the record."""
    record = record or load_record()
    years = (2014, *DATA_YEARS)
    shares = annual_shares(traj, years)
    counts = counts_at_line(shares, traj.iso3, years, record)
    return BackcastFit(traj.iso3, years, shares, counts, record)


def replication_seeds(root_seed: int, n: int) -> list[int]:
    """The seeds of n replications derived from a root seed (numpy ``SeedSequence``)."""
    return [
        int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        for s in np.random.SeedSequence(root_seed).spawn(n)
    ]


def run_backcast(params: Params, n_runs: int = 50, root_seed: int = 20140905) -> BackcastFit:
    """Simulate ``n_runs`` replications of a backcast and compare them with the record."""
    seeds = replication_seeds(root_seed, n_runs)
    traj = simulate([params] * n_runs, seeds, members=members_of(params), keep_members=True)
    return compare(traj)
