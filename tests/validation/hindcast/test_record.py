"""The hindcast's record (sim.validation.hindcast.record): NATO's June 2024 table, its counts and
its censoring at an origin."""

import numpy as np
import pytest

from sim.validation.hindcast.record import PanelRecord


@pytest.fixture(scope="module")
def record():
    return PanelRecord.load()


def test_the_record_is_every_year_2014_2024_of_the_june_2024_edition(record):
    assert record.years == tuple(range(2014, 2025)) and record.edition == "2024-06"
    assert len(record.iso3) == 32
    # Iceland has no armed forces and no row in NATO's table; every other ally has all 11 years
    # (seeds/panel/SOURCES.md: 31 allies x 2014-2024 = 341 member-years)
    missing = np.isnan(record.shares)
    assert missing[:, record.iso3.index("ISL")].all()
    assert missing.sum() == 11


def test_counts_at_two_percent_are_natos(record):
    # NATO's June 2024 press release (PR/CP(2024)084): 23 allies expected at or above 2% in 2024;
    # its 2014 column: 3 (the US, the UK, Greece)
    assert record.count(record.year(2024), 2024) == 23
    assert record.count(record.year(2014), 2014) == 3
    # a member counts only once an ally: Sweden (2024) not in 2023, whatever its share
    shares = record.year(2023).copy()
    shares[record.iso3.index("SWE")] = 5.0
    assert record.count(shares, 2023) == record.count(record.year(2023), 2023)


def test_until_removes_every_later_year(record):
    known = record.until(2018)
    assert known.years == tuple(range(2014, 2019))
    assert np.array_equal(known.shares, record.shares[:5], equal_nan=True)
    with pytest.raises(KeyError, match="no year 2019"):
        known.year(2019)
    with pytest.raises(ValueError, match="starts in 2014"):
        record.until(2013)


def test_sipris_table_is_the_longer_record():
    sipri = PanelRecord.load(source="sipri")
    assert sipri.years == tuple(range(1990, 2025))  # seeds/panel/SOURCES.md: SIPRI 1990-2024
    assert np.isnan(sipri.year(2000)[sipri.iso3.index("ISL")])  # SIPRI has no Iceland either
    # from 2014 on it is a second source for the same allies: close to NATO's for most
    # (docs/VALIDATION.md, The record: median absolute difference 0.022 pp), not equal
    nato = PanelRecord.load()
    both = sipri.since(2014)
    assert both.years == nato.years
    gap = np.abs(both.shares - nato.shares)
    assert 0 < np.nanmedian(gap) < 0.05
    with pytest.raises(ValueError, match="expected one of"):
        PanelRecord.load(source="imf")
