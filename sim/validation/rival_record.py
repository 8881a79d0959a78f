"""The rival's record: what the data say about its spending and both sides' munitions output.

This module owns the one list of observations the model's rival is checked and scored against
(issue 16), each named by the output column it is compared with (``sim.core.metrics``):

- ``rival_defence_share_pct``: SIPRI's military spending as a share of GDP for the rival
  (Russia), every year of ``seeds/panel/sipri_milex_share_gdp_1990_2024.csv`` (from 1992, the
  first year SIPRI gives for Russia); a point each year. SIPRI marks 2022-2024 as estimates.
- ``rival_munitions_output`` and ``alliance_munitions_output``: the dated, attributed estimates
  of artillery-ammunition output in
  ``seeds/panel/artillery_ammunition_production_estimates_2022_2024.csv``, read as ranges (the
  statements disagree in calibre and in production against capacity; a range holds them):
  the rival about 0.4 M rounds a year before the war and 2-3 M in 2024; the allies (the US and
  Europe) 0.5-1.0 M in 2023 and 1.2-2.0 M in 2024. The range's sources are in
  :data:`OUTPUT_RANGES`.

The validation table (``experiments/validation/run_all.py``), the tests of the backcast's rival
and the hindcast's rival scores (``sim.validation.hindcast.rival``) read these, so a tolerance
is stated once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core import panel

RIVAL_ISO3 = "RUS"
"""The rival in the record's tables."""

QUANTITIES = ("rival_defence_share_pct", "rival_munitions_output", "alliance_munitions_output")
"""The quantities of the rival's record, named as the output columns they are compared with."""


@dataclass(frozen=True)
class Observation:
    """One value of the record: a point (``low == high``) or a range of estimates.

    Attributes:
        quantity: one of :data:`QUANTITIES`.
        year: the calendar year it describes.
        low: the lowest value the sources support.
        high: the highest.
        source: where it comes from (the ``seeds/SOURCES.md`` ids and who said it).
    """

    quantity: str
    year: int
    low: float
    high: float
    source: str

    @property
    def middle(self) -> float:
        """The range's midpoint (the value itself for a point)."""
        return 0.5 * (self.low + self.high)

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The ``seeds/SOURCES.md`` ids the source names (``S28``, ...), in order."""
        return tuple(re.findall(r"\bS\d+\b", self.source))

    @property
    def is_point(self) -> bool:
        """Whether the record is one value rather than a range."""
        return self.low == self.high


OUTPUT_RANGES = (
    Observation(
        "rival_munitions_output",
        2021,
        0.35,
        0.45,
        "S29 (Estonian FIS) and Kasciunas (2024): up to 0.4 M rounds of 152 mm a year before the "
        "full-scale invasion; +-0.05 M",
    ),
    Observation(
        "rival_munitions_output",
        2024,
        2.0,
        3.0,
        "S28 (CNN, NATO intelligence: ~3 M a year, all calibres), Kasciunas (2 M of 152 mm)",
    ),
    Observation(
        "alliance_munitions_output",
        2023,
        0.5,
        1.0,
        "S47, S48, Breton (2024): EU 0.3-0.5 M and US 0.29-0.34 M of 155 mm a year in 2023",
    ),
    Observation(
        "alliance_munitions_output",
        2024,
        1.2,
        2.0,
        "S28 (CNN: US and Europe ~1.2 M to send), S48 and Breton (EU capacity 1-1.7 M)",
    ),
)
"""The munitions-output ranges, from the dated estimates (see the module's docstring)."""


def rival_share() -> pd.Series:
    """SIPRI's share of GDP for the rival by year (every year SIPRI gives), percent."""
    table = panel.sipri_shares()
    rows = table[table["iso3"] == RIVAL_ISO3]
    return pd.Series(rows["value"].to_numpy(float), index=rows["year"].to_numpy(int)).sort_index()


def observations() -> tuple[Observation, ...]:
    """Every observation of the rival's record: SIPRI's share each year, then the outputs."""
    shares = tuple(
        Observation("rival_defence_share_pct", int(y), v, v, "SIPRI (seeds/panel)")
        for y, v in rival_share().items()
    )
    return shares + OUTPUT_RANGES


def observation(quantity: str, year: int) -> Observation | None:
    """The record's observation of ``quantity`` in ``year`` (None: the record has none)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"rival quantity {quantity!r}: expected one of {', '.join(QUANTITIES)}")
    found = [o for o in observations() if o.quantity == quantity and o.year == year]
    return found[0] if found else None


def annual_change_sd(until: int) -> float:
    """The standard deviation of SIPRI's year-on-year changes in the rival's share up to ``until``.

    Only the years up to ``until`` are read (pp of GDP; ``ddof=1``).

    Raises:
        ValueError: with fewer than two changes up to ``until``.
    """
    changes = rival_share().loc[:until].diff().dropna()
    if len(changes) < 2:
        raise ValueError(f"rival share up to {until}: {len(changes)} changes, expected at least 2")
    return float(changes.std(ddof=1))


def budget_noise_sd_pp(annual_sd_pp: float, speed_per_year: float) -> float:
    """The quarterly shock whose annual means change by ``annual_sd_pp`` (pp of GDP, s.d.).

    The rival's non-munitions spending moves each quarter by ``a = speed * 0.25`` of its gap to
    its aim plus the shock (``sim.core.dynamics.rival``): about its aim it is an AR(1) with
    ``phi = 1 - a`` and autocovariance ``sigma^2 phi^|h| / (1 - phi^2)``. The annual mean is the
    mean of four quarters, so the variance of its change from one year to the next is
    ``2 (Var Y - Cov(Y_t, Y_t-1))`` with both sums over the sixteen pairs of quarters; the
    shock is ``annual_sd_pp`` divided by that standard deviation at ``sigma = 1``. A speed of 4
    a year (``a = 1``) makes the quarters independent: the factor is ``sqrt(1/2)``.

    Raises:
        ValueError: for a speed outside (0, 4] a year or a negative standard deviation.
    """
    if not 0.0 < speed_per_year <= 4.0 or annual_sd_pp < 0.0:
        raise ValueError(
            f"speed {speed_per_year!r}/yr and s.d. {annual_sd_pp!r} pp: expected a speed in "
            "(0, 4] and a standard deviation of at least 0"
        )
    phi = 1.0 - speed_per_year * 0.25
    lags = np.subtract.outer(np.arange(4), np.arange(4))
    autocov = phi ** np.abs(lags) / (1.0 - phi**2) if phi > 0 else (lags == 0).astype(float)
    after = phi ** np.abs(lags + 4) / (1.0 - phi**2) if phi > 0 else np.zeros((4, 4))
    factor = np.sqrt(2.0 * (autocov.mean() - after.mean()))
    return float(annual_sd_pp / factor)
