"""Fiscal space: each member's room to raise defence spending, from its debt and deficit.

This module owns the measure of fiscal space the equations use: a
number in (0, 1] per member and year, 1 for a member whose general-government debt and deficit
are within the European Union's reference values, falling as either exceeds them::

    stress = max(0, debt + debt_shock - 60) / 60 + max(0, deficit_shock - balance - 3) / 3
    space  = exp(-fiscal_stress_weight * stress)

``debt`` is the general-government gross debt and ``balance`` the overall balance (net lending),
each in percent of GDP, from the IMF's World Economic Outlook (April 2025; ``seeds/panel/``,
``sim.core.panel``). The reference values, 60% of GDP for debt and 3% for the deficit, are the
Maastricht criteria (Treaty on the Functioning of the European Union, Protocol No 12 on the
excessive deficit procedure), which bind the 23 allies in the EU and serve here as a common yard
stick for all. Measuring each excess in units of its reference value and adding them, and the
exponential, are assumptions: with the weight at its default 1, a member at 120% debt with a 3%
deficit has space 0.37, one at 135% with a 7% deficit (Italy in 2023) 0.07. The weight
(``fiscal_stress_weight``, 0-2) scales how much stress limits a member: 0 removes the fiscal
limit (the pledges-kept scenario). ``debt_shock_pct_gdp`` adds to every member's debt and
``deficit_shock_pct_gdp`` to its deficit from ``fiscal_shock_year`` on (the debt-shock
scenario; 0 by default).

**Years without data.** The series run 2014-2024. A year before the first holds the first year's
values; a year after ``known_until`` (the last year the model may read, at most 2024) is
*projected*: its debt and balance start from that year's, and the balance carries the member's
own defence spending since then (the budget adds up): a rise of its core share above its share
at the end of the last year of data widens its deficit by ``defence_deficit_financed`` times the
rise (1: all borrowed, the default; 0: all paid for by taxes or cuts elsewhere: an assumption,
range 0-1), and a fall narrows it. The European Union's national escape clause for defence (S54;
``seeds/escape_clause.csv``: 15 members, 2025-2028) exempts up to 1.5% of GDP of that rise from
the deficit assessed. Debt is held where it was last recorded (an assumption). A hindcast sets
``known_until`` to its origin, so that no later value reaches a forecast.

The compiled equations read the debt and balance rows (``Static.fiscal_debt_pct``,
``Static.fiscal_balance_pct``), which rows are projected (``Static.fiscal_projected``) and the
escape clause's room (``Static.fiscal_allowance_pp``), and call :func:`assessed_balance` and
:func:`space_of`, the one statement of the rule; :func:`space` applies it to arrays (the tests).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from sim.core import panel
from sim.core.csv_table import number, read_csv
from sim.core.dynamics.jit import fmax, fmin, inlined
from sim.core.resources import seeds_dir

DEBT_REFERENCE_PCT = 60.0
"""Maastricht reference value for general-government gross debt, percent of GDP."""
DEFICIT_REFERENCE_PCT = 3.0
"""Maastricht reference value for the general-government deficit, percent of GDP."""


@inlined
def space_of(
    debt_pct: float,
    balance_pct: float,
    weight: float,
    debt_shock_pct: float,
    deficit_shock_pct: float,
) -> float:
    """Fiscal space in (0, 1] of one member-year: the rule above (the equations call it)."""
    stress = (
        fmax(0.0, debt_pct + debt_shock_pct - DEBT_REFERENCE_PCT) / DEBT_REFERENCE_PCT
        + fmax(0.0, deficit_shock_pct - balance_pct - DEFICIT_REFERENCE_PCT) / DEFICIT_REFERENCE_PCT
    )
    return np.exp(-weight * stress)


@inlined
def assessed_balance(
    balance_pct: float, rise_pp: float, allowance_pp: float, financed: float
) -> float:
    """The balance (% GDP) of a projected year: the last recorded less the borrowed defence rise.

    Args:
        balance_pct: the balance in the last year of data.
        rise_pp: the core share's rise since the end of that year (negative: a fall), pp.
        allowance_pp: what the escape clause exempts of a rise this year (0: no clause), pp.
        financed: the part of the rise borrowed (``defence_deficit_financed``, 0-1).
    """
    exempt = fmin(fmax(rise_pp, 0.0), allowance_pp)
    return balance_pct - financed * (rise_pp - exempt)


def space(
    debt_pct: np.ndarray,
    balance_pct: np.ndarray,
    weight: float = 1.0,
    debt_shock_pct: float = 0.0,
    deficit_shock_pct: float = 0.0,
) -> np.ndarray:
    """Fiscal space in (0, 1] from debt and overall balance, each percent of GDP (see above)."""
    debt, balance = np.broadcast_arrays(
        np.asarray(debt_pct, dtype=float), np.asarray(balance_pct, dtype=float)
    )
    out = np.empty(debt.shape)
    for j in np.ndindex(debt.shape):
        out[j] = space_of(
            float(debt[j]),
            float(balance[j]),
            float(weight),
            float(debt_shock_pct),
            float(deficit_shock_pct),
        )
    return out


class CountryYears(NamedTuple):
    """A series as countries by years: ``values[i, j]`` is ``codes[i]``'s in ``years[j]``."""

    codes: tuple[str, ...]
    years: np.ndarray
    values: np.ndarray  # NaN where the series has no value

    def at(self, code: str, year: int) -> float:
        """The value of ``code`` in ``year``."""
        return float(self.values[self.codes.index(code), year - int(self.years[0])])


@functools.cache
def _series() -> tuple[CountryYears, CountryYears]:
    """The IMF debt and balance series, % GDP (``sim.core.panel``; read once per process)."""
    debt = CountryYears(*panel.imf_by_year("debt"))
    balance = CountryYears(*panel.imf_by_year("balance"))
    if not np.array_equal(debt.years, balance.years):
        raise ValueError(
            f"the IMF debt series cover {debt.years[0]}-{debt.years[-1]} and the balance "
            f"series {balance.years[0]}-{balance.years[-1]}: expected the same years"
        )
    return debt, balance


def series_by_year(
    iso3: tuple[str, ...], years: np.ndarray, known_until: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's debt and balance (% GDP) in each of ``years``: two arrays (len(years), N).

    A member the IMF series do not cover (only the synthetic members of the scaling benchmarks,
    ``sim.core.data.synthetic_members``) has no debt and a balanced budget: full space.

    Args:
        iso3: the members' ISO3 codes, in their order.
        years: calendar years (integers), one per row.
        known_until: the last year of data the model may read; later years hold its values.

    Raises:
        ValueError: ``known_until`` before the first year of data.
    """
    debt, balance = _series()
    first, last = int(debt.years[0]), int(debt.years[-1])
    if known_until < first:
        raise ValueError(
            f"fiscal data known until {known_until}: expected {first} or later (the IMF series "
            f"start in {first})"
        )
    cut = min(known_until, last)
    rows = np.clip(np.asarray(years, dtype=int), first, cut) - first
    by_year = np.zeros((2, last - first + 1, len(iso3)))  # debt, balance; years of data, N
    for i, code in enumerate(iso3):
        if code in debt.codes and code in balance.codes:
            by_year[0, :, i] = debt.values[debt.codes.index(code)]
            by_year[1, :, i] = balance.values[balance.codes.index(code)]
    return by_year[0][rows], by_year[1][rows]


def space_by_year(
    iso3: tuple[str, ...],
    years: np.ndarray,
    known_until: int,
    weight: float = 1.0,
    debt_shock_pct: float = 0.0,
) -> np.ndarray:
    """Each member's fiscal space in each of ``years`` (len(years), N).

    :func:`series_by_year` through :func:`space` (the shock, if any, applied to every year).
    """
    debt, balance = series_by_year(iso3, years, known_until)
    return space(debt, balance, weight, debt_shock_pct)


def projected_rows(years: np.ndarray, known_until: int) -> np.ndarray:
    """1.0 for each year after the last year of data the model may read, else 0.0 (len(years),)."""
    last = int(_series()[0].years[-1])
    return (np.asarray(years, dtype=int) > min(known_until, last)).astype(float)


def escape_allowance(iso3: tuple[str, ...], years: np.ndarray) -> np.ndarray:
    """The escape clause's room in each of ``years`` (len(years), N), pp of GDP (0: none).

    From ``seeds/escape_clause.csv`` (S54): each listed member's ``max_pp`` in its years.

    Raises:
        DataError: naming the file, row and column of a value that is not a number.
    """
    path = seeds_dir() / "escape_clause.csv"
    years = np.asarray(years, dtype=int)
    out = np.zeros((len(years), len(iso3)))
    rows = read_csv(path, ("iso3", "first_year", "last_year", "max_pp"))
    for row_number, row in enumerate(rows, start=2):
        code = row["iso3"].strip()
        if code not in iso3:
            continue
        first = number(path, row_number, "first_year", row["first_year"])
        last = number(path, row_number, "last_year", row["last_year"])
        room = number(path, row_number, "max_pp", row["max_pp"])
        out[(years >= first) & (years <= last), iso3.index(code)] = room
    return out
