"""The record the model is fitted to and scored against, and how it is censored at an origin.

This module owns :class:`PanelRecord`: every ally's core share of GDP for every year 2014-2024 from
one edition of NATO's Table 3 (``sim.core.panel.nato_shares``, June 2024 edition by default:
docs/VALIDATION.md, *The record*), the allies' accession years, and NATO's rule for counting the
allies at or above a line (the share rounded to two decimals, allies of that year only). The
calibration (``sim.validation.backcast.load_record``) and the hindcast both read the record from
here. :meth:`PanelRecord.until` is the only way the hindcast's fits see the record: it returns a
copy with every year after the origin removed, so nothing later can reach a fit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core import panel
from sim.core.data import NO_ARMED_FORCES, resolve
from sim.core.targets import TARGETS
from sim.validation.hindcast.options import RECORD_SOURCES as SOURCES

LINE_PCT = TARGETS["2pct"].value
"""The line the counts are taken at: 2% of GDP, the Wales pledge (``sim.core.targets``)."""
SIPRI_EDITION = "SIPRI 2025"
"""The label of SIPRI's table (its April 2025 release, ``seeds/panel/SOURCES.md``)."""
MEMBERS_FILE = "seeds/nato_members.csv"
"""The members (and their order) and their accession years."""


@dataclass(frozen=True)
class PanelRecord:
    """Annual core shares (pp of GDP) of the allies, NaN where the table has no figure.

    Attributes:
        iso3: the members, in the order of ``shares``' columns.
        years: consecutive calendar years, the rows of ``shares``.
        shares: (len(years), len(iso3)) core share of GDP, percent.
        accession_year: (len(iso3),) the year each member joined.
        armed: (len(iso3),) whether each member has armed forces (Iceland has none).
        edition: the NATO edition the shares come from.
    """

    iso3: tuple[str, ...]
    years: tuple[int, ...]
    shares: np.ndarray
    accession_year: np.ndarray
    armed: np.ndarray
    edition: str

    @classmethod
    def load(
        cls,
        iso3: tuple[str, ...] | None = None,
        edition: str = panel.DEFAULT_NATO_EDITION,
        source: str = "nato",
    ) -> PanelRecord:
        """A table of the panel as a record, for the given members (default: the 32 of the seeds).

        Args:
            iso3: the members, in the order wanted (a member the table lacks gets NaN).
            edition: a key of ``sim.core.panel.NATO_EDITIONS`` (``source="nato"``).
            source: one of :data:`SOURCES`: ``"nato"``, NATO's Table 3 of that edition
                (2014-2024, what the pledges are judged against and what the model is calibrated
                to), or ``"sipri"``, SIPRI's share of GDP 1990-2024 (the longer history; it
                differs from NATO's for some allies, docs/VALIDATION.md, *The record*).

        Raises:
            ValueError: for an unknown source, or a member without an accession year.
        """
        if source not in SOURCES:
            raise ValueError(f"record source {source!r}: expected one of {SOURCES}")
        seeds = pd.read_csv(resolve(MEMBERS_FILE), usecols=["iso3", "accession_year"])
        iso3 = tuple(iso3) if iso3 is not None else tuple(seeds["iso3"])
        if source == "sipri":
            rows, edition = panel.sipri_shares(), SIPRI_EDITION
        else:
            rows = panel.nato_shares(edition)
        table = rows.pivot(index="year", columns="iso3", values="value")
        years = tuple(range(int(table.index.min()), int(table.index.max()) + 1))
        table = table.reindex(index=list(years), columns=list(iso3))
        joined = seeds.set_index("iso3")["accession_year"].reindex(list(iso3))
        if joined.isna().any():
            unknown = [c for c, v in zip(iso3, joined.isna(), strict=True) if v]
            raise ValueError(f"no accession year in the seeds for {unknown}")
        return cls(
            iso3,
            years,
            table.to_numpy(dtype=float),
            joined.to_numpy(dtype=int),
            np.array([c not in NO_ARMED_FORCES for c in iso3]),
            edition,
        )

    @property
    def last_year(self) -> int:
        """The last year of the record."""
        return self.years[-1]

    def until(self, year: int) -> PanelRecord:
        """The record as known at the end of ``year``: every later year removed.

        Raises:
            ValueError: when ``year`` is before the record's first year.
        """
        if year < self.years[0]:
            raise ValueError(f"origin {year}: the record starts in {self.years[0]}")
        keep = [j for j, y in enumerate(self.years) if y <= year]
        return PanelRecord(
            self.iso3,
            tuple(self.years[j] for j in keep),
            self.shares[keep].copy(),
            self.accession_year,
            self.armed,
            self.edition,
        )

    def year(self, year: int) -> np.ndarray:
        """The shares of one year (len(iso3),).

        Raises:
            KeyError: when the record has no such year (e.g. after :meth:`until`).
        """
        if year not in self.years:
            span = f"{self.years[0]}-{self.years[-1]}"
            raise KeyError(f"the record has no year {year} (it has {span})")
        return self.shares[self.years.index(year)]

    def since(self, year: int) -> PanelRecord:
        """The record from ``year`` on (a fit's first year is its initial state).

        Raises:
            ValueError: when the record has no such year.
        """
        if year not in self.years:
            raise ValueError(f"the record has no year {year} ({self.years[0]}-{self.last_year})")
        keep = [j for j, y in enumerate(self.years) if y >= year]
        return dataclasses.replace(
            self, years=tuple(self.years[j] for j in keep), shares=self.shares[keep].copy()
        )

    def allies(self, year: int) -> np.ndarray:
        """Which members count in ``year``: allies by then, with armed forces."""
        return (self.accession_year <= year) & self.armed

    def count(self, shares: np.ndarray, year: int, line: float = LINE_PCT) -> np.ndarray:
        """Allies at or above ``line`` in ``year``, counted as NATO counts, for shares (..., N)."""
        at = np.round(np.asarray(shares, dtype=float), 2) >= line
        return (at & self.allies(year)).sum(axis=-1)
