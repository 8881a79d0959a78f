"""Seed data: loading, validation errors, Iceland, and the counts the model starts from."""

import numpy as np
import pytest

from sim.core.data import DataError, load_member_behaviour, load_members

HEADER = "iso3,name,region,gdp_usd_bn,share_2024,exposure\n"


def write(tmp_path, text):
    path = tmp_path / "members.csv"
    path.write_text(text)
    return path


def test_32_members_with_iceland_held_at_zero():
    members = load_members()
    assert members.n == 32  # NATO has 32 members (seeds/seed_facts.toml, members_total)
    isl = members.index("ISL")
    assert not members.armed[isl]  # Iceland has no armed forces (seeds/SOURCES.md)
    assert members.core_share_pct[isl] == 0.0
    assert members.armed.sum() == 31


def test_2024_data_has_22_members_at_2pct():
    members = load_members(initial_data_year=2024)
    # seed_facts.toml: 22 of 32 at or above 2% in 2024 (NATO annual report, S04)
    assert int((members.core_share_pct >= 2.0).sum()) == 22


def test_2014_data_has_3_members_at_2pct_and_sweden_falls_back_to_sipri():
    members = load_members(initial_data_year=2014)
    # alliance_facts.csv: 3 allies at 2% in 2014 (USA, GRC, GBR; S02, S09)
    at_2 = {members.iso3[i] for i in np.flatnonzero(members.core_share_pct >= 2.0)}
    assert at_2 == {"USA", "GRC", "GBR"}
    swe = members.index("SWE")
    assert members.share_source[swe] == "sipri_share_2015"
    assert members.core_share_pct[swe] == pytest.approx(1.07)  # nato_members.csv, S10


def test_exposure_and_pledges_are_loaded():
    members = load_members()
    assert members.exposure[members.index("POL")] == 1.0  # seeds/exposure.csv: land border
    assert ((members.exposure >= 0) & (members.exposure <= 1)).all()
    gbr = members.index("GBR")
    assert (gbr, 2027, 2.5) in members.pledges  # seeds/pledges.csv (S39)
    assert members.target_override_pct[members.index("ESP")] == 2.1  # S38


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path, "iso3,name,region,share_2024\nAAA,A,west,1.0\n")
    with pytest.raises(DataError, match=r"members.csv: missing column 'gdp_usd_bn'"):
        load_members(path)


def test_malformed_number_names_file_row_and_column(tmp_path):
    path = write(tmp_path, HEADER + "AAA,A,west,100,1.5,0.5\nBBB,B,west,12x,1.0,0.5\n")
    with pytest.raises(DataError, match=r"members.csv, row 3, column 'gdp_usd_bn': malformed"):
        load_members(path)


def test_duplicate_member_names_row(tmp_path):
    path = write(tmp_path, HEADER + "AAA,A,west,100,1.5,0.5\nAAA,A2,west,50,1.0,0.5\n")
    with pytest.raises(DataError, match=r"row 3, column 'iso3': duplicate member AAA"):
        load_members(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_members(tmp_path / "nope.csv")


def test_negative_share_rejected(tmp_path):
    path = write(tmp_path, HEADER + "AAA,A,west,100,-1.5,0.5\n")
    with pytest.raises(DataError, match="column 'share_2024'"):
        load_members(path)


def test_member_without_exposure_is_an_error(tmp_path):
    path = write(tmp_path, "iso3,name,region,gdp_usd_bn,share_2024\nAAA,A,west,100,1.5\n")
    with pytest.raises(DataError, match="exposure.csv: no exposure for member AAA"):
        load_members(path)


def test_custom_members_file_loads(tmp_path):
    path = write(tmp_path, HEADER + "AAA,A,west,100,1.5,0.5\nBBB,B,east,50,2.5,1.0\n")
    members = load_members(path, use_pledges=False)
    assert members.iso3 == ("AAA", "BBB")
    assert list(members.exposure) == [0.5, 1.0]


def test_member_multipliers_multiply_the_region_ones(tmp_path):
    regions = tmp_path / "regions.csv"
    regions.write_text("region,threat_multiplier,pressure_multiplier\nwestern,0.5,0.8\n")
    own = tmp_path / "members.csv"
    own.write_text(
        "iso3,threat_multiplier,pressure_multiplier,note\nBEL,2.0,0.25,x\n"
        "XYZ,9,9,a member not in the member set is ignored\n"
    )
    base = load_members(region_behaviour_file=regions)
    both = load_members(region_behaviour_file=regions, member_behaviour_file=own)
    bel, nld = base.index("BEL"), base.index("NLD")
    assert both.threat_response[bel] == pytest.approx(0.5 * 2.0)  # region x member
    assert both.pressure_response[bel] == pytest.approx(0.8 * 0.25)
    assert both.pressure_response[nld] == base.pressure_response[nld] == 0.8  # region only
    alone = load_members(member_behaviour_file=own)  # no region table: the member's own
    assert alone.pressure_response[bel] == 0.25 and alone.pressure_response[nld] == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iso3,threat_multiplier\nBEL,1\n", "missing column 'pressure_multiplier'"),
        ("iso3,threat_multiplier,pressure_multiplier\nBEL,1,x\n", "malformed number"),
        ("iso3,threat_multiplier,pressure_multiplier\nBEL,1,1\nBEL,1,1\n", "duplicate member BEL"),
        ("iso3,threat_multiplier,pressure_multiplier\nBE,1,1\n", "malformed ISO3"),
        ("iso3,threat_multiplier,pressure_multiplier\nBEL,-1,1\n", "non-negative"),
    ],
)
def test_member_table_errors_name_file_and_problem(tmp_path, text, message):
    path = tmp_path / "own.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as err:
        load_member_behaviour(path)
    assert "own.csv" in str(err.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00\x01PK", r"members.csv: not UTF-8 text \(byte 0xff at offset 0\)"),
        ("", r"members.csv: empty file \(no header\)"),
        (HEADER, r"members.csv: no members"),
        (HEADER + "AAA,A\n", r"row 2, column 'region': the row has fewer fields than the header"),
        (HEADER + "AAA," + "x" * 200_000 + ",west,1,1,1\n", r"not a readable CSV table \(field"),
    ],
)
def test_unreadable_tables_are_data_errors_naming_the_file(tmp_path, content, message):
    path = tmp_path / "members.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(DataError, match=message) as info:
        load_members(path)
    assert info.value.path == str(path)


def test_a_folder_or_a_broken_link_is_not_a_table(tmp_path):
    with pytest.raises(DataError, match="a folder, expected a CSV file"):
        load_members(tmp_path)
    link = tmp_path / "loop.csv"
    link.symlink_to("loop.csv")
    with pytest.raises(DataError, match="a broken symbolic link"):
        load_members(link)
    with pytest.raises(DataError, match=r"cannot be read \(File name too long\)"):
        load_members(tmp_path / ("a" * 5000))
