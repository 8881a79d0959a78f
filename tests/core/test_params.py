"""The parameter table: every entry documented, and bad values rejected in one place."""

import numpy as np
import pytest

from sim.core.params import (
    PARAM_FIELDS,
    ParamError,
    Params,
    make_params,
    param_table,
    parse_quarter,
)


def test_every_parameter_has_unit_doc_and_source():
    for row in param_table():
        assert row["unit"], row["name"]
        assert row["doc"], row["name"]
        assert row["source"], row["name"]


def test_defaults_are_valid():
    make_params({})  # raises if any default breaks its own range


@pytest.mark.parametrize(
    ("values", "key", "expected"),
    [
        ({"hegemon_presure": 0.3}, "hegemon_presure", "one of the known parameters"),
        ({"hegemon_pressure": "strong"}, "hegemon_pressure", "a number"),
        ({"hegemon_pressure": 1.5}, "hegemon_pressure", "<= 1.0"),
        ({"target_core_pct_gdp": -1.0}, "target_core_pct_gdp", ">= 0.0"),
        ({"rival_target_ratio": -1.0}, "rival_target_ratio", ">= 0.0"),
        ({"alliance_round_cost_usd_k": 0.0}, "alliance_round_cost_usd_k", ">= 0.01"),
        ({"end_quarter": "2024Q4"}, "end_quarter", "after start_quarter"),
        ({"target_deadline_year": 2020}, "target_deadline_year", "not before the start"),
        ({"start_quarter": "2025-1"}, "start_quarter", "a quarter like '2025Q1'"),
        ({"use_pledges": "maybe"}, "use_pledges", "true or false"),
        ({"anchor_mode": "magic"}, "anchor_mode", "one of calibrated"),
        (
            {"munitions_lead_first_quarters": 8, "munitions_lead_full_quarters": 4},
            "munitions_lead_full_quarters",
            ">= munitions_lead_first_quarters",
        ),
    ],
)
def test_bad_values_name_key_value_and_expectation(values, key, expected):
    with pytest.raises(ParamError) as info:
        make_params(values, source="my.toml")
    message = str(info.value)
    assert message.startswith("my.toml: ")
    assert f"'{key}'" in message
    assert expected in message
    with pytest.raises(ParamError) as on_base:  # overriding a base checks as building does
        make_params(values, base=make_params({"hegemon_pressure": 0.5}), source="my.toml")
    assert str(on_base.value) == message


def test_overriding_a_base_gives_what_building_from_all_the_values_gives():
    """make_params(values, base=...) checks only the values given: the same set as Params(...)."""
    base = make_params({"hegemon_pressure": 0.5, "war_start_quarter": "2026Q1"})
    given = {
        "rival_target_ratio": 6,  # an int for a float field: stored as 6.0
        "peer_conformity": np.float64(0.25),  # numpy's float: stored as Python's
        "target_deadline_year": 2031,
        "use_pledges": "false",  # a string, as the command line gives it
        "threat_signal": "rival_output",
    }
    made = make_params(given, base=base)
    built = Params(**{**vars(base), **given, "use_pledges": False})
    assert made == built and hash(made) == hash(built)
    assert [type(v) for v in vars(made).values()] == [type(v) for v in vars(built).values()]
    assert type(made.rival_target_ratio) is float and type(made.target_deadline_year) is int
    assert base.rival_target_ratio != 6.0  # the base itself is left as it was


def test_strings_are_converted_to_the_field_type():
    p = make_params(
        {"hegemon_pressure": "0.25", "target_deadline_year": "2030", "use_pledges": "false"}
    )
    assert p.hegemon_pressure == 0.25 and p.target_deadline_year == 2030
    assert p.use_pledges is False


def test_quarters():
    assert parse_quarter("2025Q1") == 2025.0
    assert parse_quarter("2025Q3") == 2025.5


def test_every_row_is_complete_and_its_default_inside_its_range():
    # each row of the table needs a unit, a meaning and a source, and a default its own range
    # (or its choices) admits; a row violating any of these is named
    for name, f in PARAM_FIELDS.items():
        meta, default = f.metadata, f.default
        assert meta["unit"] and meta["doc"] and meta["source"], name
        if meta["choices"]:
            assert default in meta["choices"], name
        if meta["min"] is not None:
            assert meta["min"] <= default, name
        if meta["max"] is not None:
            assert default <= meta["max"], name
        assert getattr(Params(), name) == default, name


def test_markdown_table_lists_each_parameter_exactly_once():
    from sim.core.params import markdown_table

    rows = [line for line in markdown_table().splitlines() if line.startswith("| `")]
    names = [row.split("`")[1] for row in rows]
    assert sorted(names) == sorted(PARAM_FIELDS)
    assert len(names) == len(set(names)) == len(PARAM_FIELDS)


def test_parameters_doc_is_current():
    from sim.core.data import ROOT
    from sim.core.params import markdown_table

    # docs/PARAMETERS.md is generated: `python -m sim params > docs/PARAMETERS.md`
    assert (ROOT / "docs" / "PARAMETERS.md").read_text() == markdown_table()


def test_param_arrays_reads_each_distinct_set_once_and_keeps_the_order():
    """A sweep's chunk passes a design point's set once per replication: the matrix repeats its
    row, in the runs' order, equal to the rows read one set at a time."""
    import numpy as np

    from sim.core.config import load_scenario
    from sim.core.dynamics import param_arrays
    from sim.core.params import NUMERIC

    a = load_scenario("hague").params
    b = make_params({"hegemon_pressure": 0.9}, base=a)
    got = param_arrays([a, b, a, a, b])
    one = {id(p): param_arrays([p])[0] for p in (a, b)}
    assert got.shape == (5, len(NUMERIC)) and got.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(got, np.stack([one[id(p)] for p in (a, b, a, a, b)]))
    assert got[1, NUMERIC.index("hegemon_pressure")] == 0.9
