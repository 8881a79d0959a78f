"""The whole record in seeds/panel/ (issue 14): what the loaders return, and bad data refused.

The numbers asserted here come from the publishers' tables as described in
``seeds/panel/SOURCES.md`` and from the cross-checks recorded in
``seeds/panel/crosscheck_results.txt`` (section letters A-K there), recomputed from the loaded
tables, so a wrong copy, a wrong parse or a lost row fails.
"""

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core import panel
from sim.core.csv_table import DataError
from sim.core.errors import UserError
from sim.core.resources import seeds_dir

MEMBERS = {r["iso3"] for r in csv.DictReader((seeds_dir() / "nato_members.csv").open())}
ARMED = MEMBERS - {"ISL"}  # Iceland has no armed forces: in no NATO table, no SIPRI figure
YEARS_NATO = list(range(2014, 2025))
PRINTED = 0.005  # half the last printed digit: a two-decimal figure is exact to +-0.005


@pytest.fixture(scope="module")
def nato():
    return panel.nato_shares()


@pytest.fixture(scope="module")
def sipri():
    return panel.sipri_shares()


def test_nato_2024_edition_is_every_armed_ally_every_year(nato):
    # 32 members (seeds/nato_members.csv) minus Iceland = 31 allies, x 11 years (2014-2024)
    assert len(MEMBERS) == 32
    assert len(nato) == 31 * 11 == 341  # the 341 member-years with data
    assert set(nato["iso3"]) == ARMED
    assert sorted(set(nato["year"])) == YEARS_NATO
    assert not nato.duplicated(["iso3", "year"]).any()
    # NATO marks the edition's last two years (2023, 2024) as estimates (SOURCES.md)
    assert set(nato.loc[nato["estimate"], "year"]) == {2023, 2024}
    assert nato["estimate"].sum() == 31 * 2
    # plausible: the table's range is Luxembourg's 0.37 to Poland's 4.12 (2024e)
    assert nato["value"].between(0.3, 4.2).all()
    assert nato.loc[nato["value"].idxmax(), ["iso3", "year"]].tolist() == ["POL", 2024]
    assert (nato["value"].round(2) - nato["value_published"]).abs().max() <= PRINTED + 1e-9


def test_nato_aggregates_only_on_request(nato):
    with_aggregates = panel.nato_shares(aggregates=True)
    assert len(with_aggregates) == 363  # 33 rows (31 allies + 2 aggregates) x 11 years
    assert set(with_aggregates["iso3"]) - set(nato["iso3"]) == set(panel.NATO_AGGREGATES)


def test_nato_counts_at_2pct_match_the_record(nato):
    at_2 = nato[nato["value_published"] >= 2.0].groupby("year")["iso3"].apply(set)
    # 2014: three allies, USA, GRC, GBR (S09, S02 in seeds/SOURCES.md)
    assert at_2[2014] == {"USA", "GRC", "GBR"}
    # 2024e: 23 allies in the June 2024 release (seeds/SOURCES.md, S01; issue brief)
    assert len(at_2[2024]) == 23


def test_nato_2024_values_match_the_seed_tables(nato):
    # crosscheck A: the 31 published 2024e figures; the seeds carry them as S01
    long = pd.read_csv(seeds_dir() / "nato_shares_long.csv")
    s01 = long[long["edition"] == "NATO-2024-06"].merge(nato, on=["iso3", "year"])
    assert len(s01) == 31
    assert (s01["share_gdp_pct"] - s01["value_published"]).abs().max() < 1e-9
    members = pd.read_csv(seeds_dir() / "nato_members.csv")
    jun = members.merge(nato[nato["year"] == 2024], on="iso3")
    assert len(jun) == 31
    assert np.allclose(jun["share_2024e_jun2024_release"], jun["value_published"], atol=1e-9)


def test_seed_table_2023_edition_agrees_with_natos_tables(nato):
    """The seeds' July-2023 figures (S02, from a press chart) against NATO's own tables.

    2014 in the 2024 edition: NATO revised two allies by 0.01 (USA 3.72 -> 3.71, Croatia 1.82 ->
    1.81). 2023e against the partial July-2023 extract: all equal. (The seeds once held Croatia's
    2014 and 2023e swapped, 1.79 and 1.82; corrected, docs/VALIDATION.md, *The record*.)
    """
    long = pd.read_csv(seeds_dir() / "nato_shares_long.csv")
    s02 = long[long["edition"] == "NATO-2023-07"]
    old = s02[s02["year"] == 2014].merge(nato, on=["iso3", "year"])
    assert len(old) == 30  # 30 allies in the July-2023 chart (no Sweden)
    differ = old[(old["share_gdp_pct"] - old["value_published"]).abs() > 1e-9]
    assert sorted(differ["iso3"]) == ["HRV", "USA"]
    assert (differ["share_gdp_pct"] - differ["value_published"]).abs().max() <= 0.01 + 1e-9
    extract = panel.nato_shares("2023-07")
    new = s02[s02["year"] == 2023].merge(extract, on=["iso3", "year"])
    assert len(new) == 30
    assert np.allclose(new["share_gdp_pct"], new["value_published"], atol=1e-9)
    members = pd.read_csv(seeds_dir() / "nato_members.csv").set_index("iso3")
    assert members.loc["HRV", "share_2014"] == 1.82  # the backcast's start


def test_editions_revise_past_years_by_up_to_084pp(nato):
    # crosscheck B: 2023e in the July-2023 edition against the June-2024 edition; the
    # largest revision is Romania's 2.44 -> 1.60, the "up to 0.8 pp"
    old = panel.nato_shares("2023-07")
    assert len(old) == 39  # 30 allies' 2023e + the UK's 2014-2022 (SOURCES.md)
    both = old.merge(nato, on=["iso3", "year"], suffixes=("_2023", "_2024"))
    assert len(both) == 39
    revision = (both["value_2024"] - both["value_2023"]).abs()
    worst = both.loc[revision.idxmax()]
    assert (worst["iso3"], worst["year"]) == ("ROU", 2023)
    assert revision.max() == pytest.approx(0.84, abs=PRINTED)
    # the UK's settled years 2014-2021 move by at most 0.01 (crosscheck B)
    gbr = both[(both["iso3"] == "GBR") & (both["year"] <= 2021)]
    assert (gbr["value_2024"] - gbr["value_2023"]).abs().max() < 0.015


def test_nato_sipri_systematic_differences(nato, sipri):
    # crosscheck C: NATO - SIPRI over 2014-2024, printed to two decimals (tolerance PRINTED)
    both = nato.merge(sipri, on=["iso3", "year"], suffixes=("_nato", "_sipri"))
    assert len(both) == 341  # SIPRI has a figure for every NATO member-year
    diff = both["value_nato"] - both["value_sipri"]
    mean = diff.groupby(both["iso3"]).mean()
    assert mean["TUR"] == pytest.approx(-0.41, abs=PRINTED)
    assert mean["ESP"] == pytest.approx(-0.30, abs=PRINTED)
    # the two largest systematic gaps, NATO's figure the lower in both
    assert mean.abs().nlargest(2).index.tolist() == ["TUR", "ESP"]
    # overall: median |diff| 0.022 pp (printed to three decimals), 18 member-years over 0.30 pp
    assert diff.abs().median() == pytest.approx(0.022, abs=0.0005)
    assert int((diff.abs() > 0.30).sum()) == 18


def test_sipri_covers_1990_to_2024_for_the_allies_and_the_rival(sipri):
    assert sorted(set(sipri["year"])) == list(range(1990, 2025))
    assert set(sipri["iso3"]) == ARMED | {"RUS"}
    # 33 countries x 35 years = 1155 rows in the file; 77 without a figure: Iceland's 35 and
    # 42 years before a country's first figure (SIPRI's coverage starts at independence)
    assert len(sipri) == 33 * 35 - 77 == 1078
    first = sipri.groupby("iso3")["year"].min()
    assert first["RUS"] == 1992  # the Russian Federation's series starts after the USSR
    assert first["MNE"] == 2005  # Montenegro: independent in 2006
    assert (
        first[sorted(ARMED - {"CZE", "EST", "HRV", "LTU", "LVA", "MKD", "MNE", "SVK", "SVN"})]
        == 1990
    ).all()
    # plausible: 0.36 (the lowest) to 11.1 (Croatia, 1994, SIPRI estimate)
    assert sipri["value"].between(0.3, 11.2).all()
    assert sipri.loc[sipri["value"].idxmax(), ["iso3", "year"]].tolist() == ["HRV", 1994]
    # SIPRI footnote: Russia 2022-2024 are SIPRI estimates
    rus = sipri[sipri["iso3"] == "RUS"].set_index("year")
    assert rus.loc[[2022, 2023, 2024], "estimate"].all()


@pytest.mark.parametrize("loader", [panel.imf_debt, panel.imf_balance, panel.imf_growth])
def test_imf_series_cover_every_member_2014_2024(loader):
    frame = loader()
    assert len(frame) == 32 * 11  # every member, Iceland included (it has a GDP and a budget)
    assert set(frame["iso3"]) == MEMBERS
    assert sorted(set(frame["year"])) == YEARS_NATO
    assert set(frame["source_id"]) == {"IMF_WEO_2025_04"}
    # a staff estimate only after the country's last reported year: never followed by an outturn
    for _, series in frame.sort_values("year").groupby("iso3")["estimate"]:
        flags = series.tolist()
        assert flags == sorted(flags), flags


def test_imf_values_keep_their_sign():
    # the balance is net lending (+) or borrowing (-): most allies borrowed in 2020 (COVID)
    balance = panel.imf_balance()
    assert (balance.loc[balance["year"] == 2020, "value"] < 0).mean() > 0.9
    growth = panel.imf_growth()
    assert (growth.loc[growth["year"] == 2020, "value"] < 0).mean() > 0.8
    debt = panel.imf_debt()
    assert (debt["value"] > 0).all()


@pytest.mark.parametrize("series", ["debt", "balance", "growth"])
def test_the_models_imf_arrays_are_the_loaders_frame(series):
    # imf_by_year (what sim.core.fiscal reads, without pandas) holds the same values as the
    # checked frame of imf_debt, imf_balance or imf_growth: countries by years
    frame = getattr(panel, f"imf_{series}")()
    codes, years, values = panel.imf_by_year(series)
    wide = frame.pivot(index="iso3", columns="year", values="value")
    assert codes == tuple(wide.index) and years.tolist() == list(wide.columns)
    assert values.tobytes() == wide.to_numpy(float).tobytes()


def test_rival_spending_matches_sipri_and_the_release(sipri):
    share = panel.rival_spending("milex_share_gdp")
    sipri_rows = share[share["source_id"] == "SIPRI_MILEX_2025"].set_index("year")["value"]
    assert sorted(sipri_rows.index) == YEARS_NATO
    rus = sipri[sipri["iso3"] == "RUS"].set_index("year")["value"]
    assert np.allclose(sipri_rows, rus[sipri_rows.index], atol=PRINTED)  # one workbook, two cuts
    assert sipri_rows[2024] == pytest.approx(7.05, abs=PRINTED)  # crosscheck E
    usd = panel.rival_spending("milex_current_usd_m").set_index(["year", "source_id"])["value"]
    assert usd[(2024, "SIPRI_MILEX_2025")] == pytest.approx(148_967, abs=0.5)  # "$149 bn", E
    iiss = panel.rival_spending()
    assert (iiss["source_id"] == "IISS_MB2025").any()  # crosscheck F: IISS 6.7% in 2024
    iiss_share = iiss[(iiss["source_id"] == "IISS_MB2025") & (iiss["unit"].str.contains("GDP"))]
    assert iiss_share["value"].tolist() == [6.7]


def test_rival_spending_refuses_an_unknown_indicator():
    with pytest.raises(ValueError, match=r"rival indicator 'milex_pct'.*milex_share_gdp"):
        panel.rival_spending("milex_pct")


def test_munitions_estimates_are_dated_and_attributed():
    est = panel.munitions_output_estimates()
    assert len(est) == 19  # SOURCES.md: 19 statements
    assert est["attribution"].str.len().min() > 0 and est["statement_date"].str.len().min() > 0
    rus = est[(est["entity"] == "RUS") & (est["source_id"] == "CNN_2024_03_11")]
    assert rus["value"].tolist() == [3_000_000]  # ~250,000 a month, NATO intelligence via CNN


def test_unknown_edition_is_refused():
    with pytest.raises(ValueError, match=r"NATO edition '2025-06': expected one of 2024-06"):
        panel.nato_shares("2025-06")


# --- bad data: a clear error naming the file, the row and the column --------------------------


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A writable copy of the panel, which the loaders read instead of the shipped one."""
    folder = tmp_path / "panel"
    shutil.copytree(panel.panel_dir(), folder)
    monkeypatch.setattr(panel, "panel_dir", lambda: folder)
    return folder


def edit(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


NATO = panel.NATO_EDITIONS["2024-06"]


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "loader", "message"),
    [
        (
            NATO,
            2,
            "1.346517",
            "1.3x",
            panel.nato_shares,
            r"row 2, column 'value': malformed number '1.3x'",
        ),
        (
            NATO,
            2,
            "1.346517",
            "134.6517",
            panel.nato_shares,
            r"row 2, column 'value': '134.6517': expected a number in \[0, 30\]",
        ),
        (
            NATO,
            2,
            "1.346517,1.35",
            "1.346517,1.53",
            panel.nato_shares,
            r"row 2, column 'value_2dp_as_published': printed figure 1.53 is not value",
        ),
        (
            NATO,
            2,
            "ALB,2014",
            "ALB,2031",
            panel.nato_shares,
            r"row 2, column 'year': 2031: expected a year in 1990-2024",
        ),
        (
            NATO,
            3,
            "ALB,2015",
            "ALB,2014",
            panel.nato_shares,
            r"row 3: a second row for iso3=ALB, year=2014: expected one",
        ),
        (
            NATO,
            2,
            "ALB,",
            "Albania,",
            panel.nato_shares,
            r"row 2, column 'iso3': 'Albania': expected an ISO 3166 alpha-3 code",
        ),
        (
            NATO,
            2,
            "NATO_DEFEXP_2024_T3,",
            "NATO_DEFEXP_2024_T3,est",
            panel.nato_shares,
            r"row 2, column 'flag': unknown flag 'est'",
        ),
        (
            panel.SIPRI_FILE,
            2,
            "5.8883,SIPRI_MILEX_2025_SHAREGDP,",
            ",SIPRI_MILEX_2025_SHAREGDP,",
            panel.sipri_shares,
            r"row 2, column 'value': value '' and flag '' disagree",
        ),
        (
            panel.IMF_FILES["balance"],
            2,
            "-5.393",
            "-553.9",
            panel.imf_balance,
            r"row 2, column 'value': '-553.9': expected a number in \[-50, 50\]",
        ),
        (
            panel.RIVAL_FILE,
            2,
            "4.113",
            "",
            panel.rival_spending,
            r"row 2, column 'value': missing value, expected a number",
        ),
        (
            panel.MUNITIONS_FILE,
            2,
            ",2024-03-11,",
            ",,",
            panel.munitions_output_estimates,
            r"row 2, column 'statement_date': missing text",
        ),
    ],
)
def test_bad_data_names_file_row_and_column(copy, file, line, old, new, loader, message):
    edit(copy / file, line, old, new)
    with pytest.raises(DataError, match=message) as err:
        loader()
    assert isinstance(err.value, UserError)  # the CLI's one line and exit 2
    assert file in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("-5.393", "-553.9", r"row 2, column 'value': '-553.9': expected a number in \[-50, 50\]"),
        ("ALB,2015", "ALB,2014", r"row 3: a second row for iso3=ALB, year=2014: expected one"),
    ],
)
def test_the_models_imf_arrays_refuse_bad_data_as_the_loaders_do(copy, old, new, message):
    # imf_by_year reads the same rows with the same checks as imf_balance
    file = panel.IMF_FILES["balance"]
    edit(copy / file, 3 if old.startswith("ALB") else 2, old, new)
    with pytest.raises(DataError, match=message):
        panel.imf_by_year("balance")


def test_missing_file_is_named(copy):
    (copy / panel.SIPRI_FILE).unlink()
    with pytest.raises(DataError, match=rf"{panel.SIPRI_FILE}: file not found"):
        panel.sipri_shares()


def test_panel_is_shipped_in_the_wheel():
    # seeds/panel is its own package in pyproject.toml, or a built wheel lacks the tables
    import tomllib

    root = Path(__file__).resolve().parents[2]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "sim.seeds.panel" in setuptools["packages"]
    assert "*.csv" in setuptools["package-data"]["sim.seeds.panel"]
    assert panel.panel_dir() == seeds_dir() / "panel"
