"""The whole record: the annual panel of defence spending and public finance in ``seeds/panel/``.

This module owns reading the panel tables (issue 14): NATO's own table of each ally's defence
expenditure as a share of real GDP (two editions), SIPRI's share of GDP for the allies and the
rival (1990-2024), the IMF's debt, balance and growth (2014-2024), the rival's spending in
several measures, and dated, attributed estimates of artillery-munitions output. Each loader
returns a tidy :class:`pandas.DataFrame`, one row per observation (no row for a year without
data; :func:`imf_by_year`, which the model's fiscal space reads, numpy arrays instead),
checked on the way in: a malformed or out-of-range value is a
:class:`~sim.core.csv_table.DataError` naming the file, the row and the column.

Where the tables come from, their units and where they disagree: ``seeds/panel/SOURCES.md``;
which the model uses: docs/VALIDATION.md, *The record*.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.core.csv_table import DataError, read_csv
from sim.core.resources import seeds_dir

if TYPE_CHECKING:
    import pandas as pd

PANEL_DIR = "panel"
"""The panel's folder inside ``seeds/``."""

NATO_EDITIONS = {
    "2024-06": "nato_defexp_share_real_gdp_2014_2024.csv",
    "2023-07": "nato_defexp_share_real_gdp_2023edition_partial.csv",
}
"""NATO's *Defence Expenditure of NATO Countries* editions in the panel, by release month, with
their files: June 2024 (PR/CP(2024)084, Table 3, complete: 31 allies and two aggregates,
2014-2024) and July 2023 (a third party's partial extract: 2023 for 30 allies and the UK's
series; for cross-checks only)."""

DEFAULT_NATO_EDITION = "2024-06"
"""The edition the model uses: the latest complete one in the panel (every ally, every year
2014-2024, at full precision, from NATO's own workbook). Later figures (the Secretary General's
Annual Report of April 2025, the August 2025 edition) exist only as press copies."""

NATO_AGGREGATES = ("NATO_EUROPE_CANADA", "NATO_TOTAL")
"""The rows of NATO's table that are not allies."""

SIPRI_FILE = "sipri_milex_share_gdp_1990_2024.csv"
RIVAL_FILE = "russia_defence_2014_2024.csv"
MUNITIONS_FILE = "artillery_ammunition_production_estimates_2022_2024.csv"
IMF_FILES = {
    "debt": "imf_weo_gg_gross_debt_pct_gdp_2014_2024.csv",
    "balance": "imf_weo_gg_net_lending_borrowing_pct_gdp_2014_2024.csv",
    "growth": "imf_weo_real_gdp_growth_pct_2014_2024.csv",
}
"""The IMF World Economic Outlook (April 2025) series: gross debt (GGXWDG_NGDP), overall
balance (GGXCNL_NGDP) and real GDP growth (NGDP_RPCH), by the loader's name."""

FIRST_YEAR, LAST_YEAR = 1990, 2024
"""The years the panel covers (every series stops at 2024)."""

SHARE_BOUNDS = (0.0, 30.0)
"""A defence share of GDP, percent: the panel's largest is 11.1 (SIPRI, Croatia 1994, in its war
of independence); 30 catches a value in the wrong unit (per mille, or a fraction times 1,000)."""

IMF_BOUNDS = {"debt": (0.0, 400.0), "balance": (-50.0, 50.0), "growth": (-40.0, 40.0)}
"""Plausible bounds, percent (of GDP, or per year for growth), for each IMF series: wide enough
for any ally's 2014-2024 record, narrow enough to catch a value in the wrong unit."""

ISO3 = re.compile(r"[A-Z]{3}")

SHARE_COLUMNS = ["iso3", "year", "value", "source_id", "estimate"]
"""The columns of a share or IMF frame: the country, the calendar year, the value (percent),
the source's ID (``seeds/panel/SOURCES.md``) and whether the source marks it as an estimate."""


def panel_dir() -> Path:
    """The panel's folder (``seeds/panel``, in a checkout or inside an installed package)."""
    return seeds_dir() / PANEL_DIR


def nato_shares(edition: str = DEFAULT_NATO_EDITION, *, aggregates: bool = False) -> pd.DataFrame:
    """NATO's defence expenditure as a share of real GDP, one row per ally and year with data.

    Args:
        edition: the edition, by release month (a key of :data:`NATO_EDITIONS`); the default is
            the latest complete one, June 2024.
        aggregates: also return NATO's two aggregate rows (:data:`NATO_AGGREGATES`).

    Returns:
        Columns ``iso3, year, value, value_published, source_id, estimate``: ``value`` at full
        precision (percent of real GDP, 2015 prices), ``value_published`` the figure as printed
        (two decimals, what the 2% line is judged on). Iceland is in no edition.

    Raises:
        ValueError: for an unknown edition.
        DataError: naming the file, row and column of a missing, malformed or implausible value,
            or of a repeated (iso3, year).
    """
    if edition not in NATO_EDITIONS:
        raise ValueError(f"NATO edition {edition!r}: expected one of {', '.join(NATO_EDITIONS)}")
    path = panel_dir() / NATO_EDITIONS[edition]
    rows = read_csv(path, ("iso3", "year", "value", "value_2dp_as_published", "source_id", "flag"))
    out = []
    for i, r in enumerate(rows, start=2):
        iso3 = _iso3(path, i, r["iso3"], extra=NATO_AGGREGATES)
        if iso3 in NATO_AGGREGATES and not aggregates:
            continue
        value = _value(path, i, "value", r["value"], SHARE_BOUNDS)
        published = _value(
            path, i, "value_2dp_as_published", r["value_2dp_as_published"], SHARE_BOUNDS
        )
        if abs(round(value, 2) - published) > 0.005 + 1e-9:
            raise DataError(
                path,
                f"printed figure {published:g} is not value {value:g} rounded to two decimals",
                i,
                "value_2dp_as_published",
            )
        flag = _flag(path, i, "flag", r["flag"], ("", "estimate"))
        year = _year(path, i, r["year"])
        out.append((i, iso3, year, value, published, r["source_id"], flag == "estimate"))
    return _frame(path, out, [*SHARE_COLUMNS[:3], "value_published", *SHARE_COLUMNS[3:]])


def sipri_shares() -> pd.DataFrame:
    """SIPRI's military expenditure as a share of GDP, 1990-2024, for the 32 allies and Russia.

    Returns:
        Columns ``iso3, year, value, source_id, estimate`` (percent of GDP; ``estimate`` where
        SIPRI prints the figure in blue as its own estimate), one row per country and year with
        a figure: SIPRI has none for Iceland (no armed forces) nor for some years of a few
        countries (the Baltic states in the early 1990s, Montenegro before 2006, ...).

    Raises:
        DataError: naming the file, row and column of a malformed or implausible value, a flag
            that contradicts the value (``no_data`` with a number, or a blank without it), or
            a repeated (iso3, year).
    """
    path = panel_dir() / SIPRI_FILE
    rows = read_csv(path, ("iso3", "year", "value", "source_id", "flag"))
    out = []
    for i, r in enumerate(rows, start=2):
        iso3 = _iso3(path, i, r["iso3"])
        year = _year(path, i, r["year"])
        flags = set(filter(None, r["flag"].strip().split("|")))
        unknown = flags - {"no_data", "sipri_estimate_blue"}
        if unknown:
            raise DataError(
                path,
                f"unknown flag {sorted(unknown)[0]!r}: expected no_data or sipri_estimate_blue",
                i,
                "flag",
            )
        blank = r["value"].strip() == ""
        if blank != ("no_data" in flags):
            raise DataError(
                path,
                f"value {r['value']!r} and flag {r['flag']!r} disagree: expected a number, or "
                "a blank value flagged no_data",
                i,
                "value",
            )
        if blank:
            continue
        value = _value(path, i, "value", r["value"], SHARE_BOUNDS)
        out.append((i, iso3, year, value, r["source_id"], "sipri_estimate_blue" in flags))
    return _frame(path, out, SHARE_COLUMNS)


def imf_debt() -> pd.DataFrame:
    """General government gross debt, percent of GDP, 2014-2024 (IMF WEO April 2025).

    Returns:
        Columns ``iso3, year, value, source_id, estimate`` (``estimate``: an IMF staff estimate,
        a year after the country's last reported one).

    Raises:
        DataError: naming the file, row and column of a bad value.
    """
    return _imf("debt")


def imf_balance() -> pd.DataFrame:
    """General government net lending (+) or borrowing (-), percent of GDP, 2014-2024 (IMF WEO).

    Returns:
        Columns ``iso3, year, value, source_id, estimate``, as :func:`imf_debt`.

    Raises:
        DataError: naming the file, row and column of a bad value.
    """
    return _imf("balance")


def imf_growth() -> pd.DataFrame:
    """Real GDP growth, percent a year, 2014-2024 (IMF WEO April 2025).

    Returns:
        Columns ``iso3, year, value, source_id, estimate``, as :func:`imf_debt`.

    Raises:
        DataError: naming the file, row and column of a bad value.
    """
    return _imf("growth")


def rival_spending(indicator: str | None = None) -> pd.DataFrame:
    """The rival's (Russia's) military spending, 2014-2024, in several measures and sources.

    Args:
        indicator: keep only this measure (``milex_share_gdp``, ``milex_current_usd_m``,
            ``milex_constant2023_usd_m``, ``milex_local_currency_rub``, ``milex_ppp_usd_m``,
            ``federal_budget_national_defence_rub``); None keeps them all.

    Returns:
        Columns ``iso3, year, indicator, value, unit, source_id, note``: SIPRI's series for every
        year, with the IISS's and the federal budget's figures for the years they cover. The
        measures differ in definition (``seeds/panel/SOURCES.md``): compare like with like.

    Raises:
        ValueError: for an indicator the table does not have.
        DataError: naming the file, row and column of a bad value or a repeated row.
    """
    path = panel_dir() / RIVAL_FILE
    rows = read_csv(
        path, ("iso3", "year", "indicator", "value", "unit", "source_id", "flag_or_note")
    )
    out = []
    for i, r in enumerate(rows, start=2):
        out.append(
            (
                i,
                _iso3(path, i, r["iso3"]),
                _year(path, i, r["year"]),
                _text(path, i, "indicator", r["indicator"]),
                _value(path, i, "value", r["value"], (0.0, math.inf)),
                _text(path, i, "unit", r["unit"]),
                _text(path, i, "source_id", r["source_id"]),
                r["flag_or_note"].strip(),
            )
        )
    cols = ["iso3", "year", "indicator", "value", "unit", "source_id", "note"]
    frame = _frame(path, out, cols, key=["iso3", "year", "indicator", "source_id", "unit"])
    if indicator is None:
        return frame
    if indicator not in set(frame["indicator"]):
        known = ", ".join(sorted(set(frame["indicator"])))
        raise ValueError(f"rival indicator {indicator!r}: expected one of {known}")
    return frame[frame["indicator"] == indicator].reset_index(drop=True)


def munitions_output_estimates() -> pd.DataFrame:
    """Dated, attributed estimates of artillery-munitions output (Russia, EU, US), 2022-2024.

    Returns:
        One row per statement: ``entity`` (``RUS``, ``USA``, ``EU``, ``EUROPE``,
        ``USA+EUROPE``, ``WESTERN_ALLIES``), ``year``, ``value``, ``unit`` (rounds a year,
        annualised as the unit says, or a ratio), ``measure`` (production, capacity,
        consumption, ...), ``calibre``, ``statement_date``, ``attribution``, ``source_id``,
        ``url``, ``note``. They are estimates of classified figures: read ``measure`` and
        ``unit`` before comparing two rows.

    Raises:
        DataError: naming the file, row and column of a bad value.
    """
    path = panel_dir() / MUNITIONS_FILE
    text_cols = ("unit", "measure", "calibre", "statement_date", "attribution", "source_id")
    rows = read_csv(path, ("iso3_or_group", "year", "value", *text_cols, "url", "note"))
    out = []
    for i, r in enumerate(rows, start=2):
        entity = _text(path, i, "iso3_or_group", r["iso3_or_group"])
        year = _year(path, i, r["year"])
        value = _value(path, i, "value", r["value"], (0.0, math.inf))
        texts = tuple(_text(path, i, c, r[c]) for c in text_cols)
        out.append((entity, year, value, *texts, r["url"].strip(), r["note"].strip()))
    cols = ["entity", "year", "value", *text_cols, "url", "note"]
    import pandas as pd

    return pd.DataFrame(out, columns=cols).astype({"year": "int64", "value": "float64"})


def imf_by_year(series: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """An IMF series (a key of :data:`IMF_FILES`) read without pandas, for the model.

    Returns the countries, the years (first to last) and the values (countries, years; NaN
    where no row): ``sim.core.fiscal`` reads it, so a sweep's worker need not import pandas.

    Raises:
        DataError: as :func:`imf_debt`.
    """
    path, rows = _imf_rows(series)
    _refuse_repeats(path, rows, SHARE_COLUMNS, ["iso3", "year"])
    codes = tuple(sorted({r[1] for r in rows}))
    years = np.arange(min(r[2] for r in rows), max(r[2] for r in rows) + 1)
    values = np.full((len(codes), len(years)), np.nan)
    for _, code, year, value, *_ in rows:
        values[codes.index(code), year - years[0]] = value
    return codes, years, values


def _imf(series: str) -> pd.DataFrame:
    return _frame(*_imf_rows(series), SHARE_COLUMNS)


def _imf_rows(series: str) -> tuple[Path, list[tuple]]:
    """An IMF file's rows, checked, each led by its line: (line, *SHARE_COLUMNS)."""
    path = panel_dir() / IMF_FILES[series]
    rows = read_csv(path, ("iso3", "year", "value", "source_id", "flag"))
    out = []
    for i, r in enumerate(rows, start=2):
        flag = _flag(path, i, "flag", r["flag"], ("", "imf_staff_estimate"))
        out.append(
            (
                i,
                _iso3(path, i, r["iso3"]),
                _year(path, i, r["year"]),
                _value(path, i, "value", r["value"], IMF_BOUNDS[series]),
                r["source_id"],
                flag == "imf_staff_estimate",
            )
        )
    return path, out


def _frame(
    path: Path, rows: list[tuple], columns: list[str], key: list[str] | None = None
) -> pd.DataFrame:
    """The rows, each led by its line in the file, as a frame; a repeated key is refused.

    The key is ``iso3, year`` unless given; the error names the repeated row's line.
    """
    import pandas as pd

    _refuse_repeats(path, rows, columns, key or ["iso3", "year"])
    frame = pd.DataFrame(rows, columns=["line", *columns])
    frame = frame.astype({"year": "int64", "value": "float64"})
    return frame.drop(columns="line")


def _refuse_repeats(path: Path, rows: list[tuple], columns: list[str], key: list[str]) -> None:
    """Raise a DataError at the first row (in file order) whose ``key`` an earlier row has."""
    at = [1 + columns.index(k) for k in key]
    seen = set()
    for row in rows:
        values = tuple(row[j] for j in at)
        if values in seen:
            what = ", ".join(f"{k}={v}" for k, v in zip(key, values, strict=True))
            raise DataError(path, f"a second row for {what}: expected one", int(row[0]))
        seen.add(values)


def _iso3(path: Path, row: int, text: str, extra: tuple[str, ...] = ()) -> str:
    code = text.strip()
    if not (ISO3.fullmatch(code) or code in extra):
        raise DataError(path, f"{text!r}: expected an ISO 3166 alpha-3 code", row, "iso3")
    return code


def _year(path: Path, row: int, text: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        raise DataError(path, f"{text!r}: expected a year", row, "year") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DataError(path, f"{year}: expected a year in {FIRST_YEAR}-{LAST_YEAR}", row, "year")
    return year


def _value(path: Path, row: int, column: str, text: str, bounds: tuple[float, float]) -> float:
    text = text.strip()
    if text == "":
        raise DataError(path, "missing value, expected a number", row, column)
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, f"malformed number {text!r}", row, column) from None
    low, high = bounds
    if not (math.isfinite(value) and low <= value <= high):
        raise DataError(path, f"{text!r}: expected a number in [{low:g}, {high:g}]", row, column)
    return value


def _flag(path: Path, row: int, column: str, text: str, allowed: tuple[str, ...]) -> str:
    flag = text.strip()
    if flag not in allowed:
        expected = " or ".join(repr(a) for a in allowed)
        raise DataError(path, f"unknown flag {text!r}: expected {expected}", row, column)
    return flag


def _text(path: Path, row: int, column: str, text: str) -> str:
    if not text.strip():
        raise DataError(path, "missing text", row, column)
    return text.strip()
