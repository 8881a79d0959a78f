"""``sim report --by/--reference/--outcomes``: what they choose, and clear errors for bad values.

The functions are checked on a constructed design; the command on the small golden sweep
(``tests/analysis/conftest.py``: US pressure [0.2, 0.8] x the rival's target ratio [3, 10] x
a ceasefire ["", 2026Q1], point ids in that nested order, 3 paired replications).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.report_options import resolve_by, resolve_outcomes, resolve_reference
from sim.analysis.sensitivity import MAIN_OUTCOMES
from sim.cli import main
from sim.core.errors import UserError

SWEPT = ["hegemon_pressure", "rival_target_ratio", "ceasefire_quarter"]
DESIGN = pd.DataFrame(
    {
        "point_id": range(8),
        "hegemon_pressure": [0.2] * 4 + [0.8] * 4,
        "rival_target_ratio": [3.0, 3.0, 10.0, 10.0] * 2,
        "ceasefire_quarter": ["", "2026Q1"] * 4,
    }
)
"""The golden sweep's design (the grid in the order of its axes, the last fastest)."""


def test_reference_by_axis_values_by_index_and_by_default():
    assert resolve_reference(None, DESIGN, SWEPT) == 0
    assert resolve_reference(["5"], DESIGN, SWEPT) == 5
    every = ["hegemon_pressure=0.8", "rival_target_ratio=10", "ceasefire_quarter=2026Q1"]
    assert resolve_reference(every, DESIGN, SWEPT) == 7
    # axes not named keep point 0's values (ratio 3, no ceasefire)
    assert resolve_reference(["hegemon_pressure=0.8"], DESIGN, SWEPT) == 4
    assert resolve_reference(["rival_target_ratio=10.0", "hegemon_pressure=.8"], DESIGN, SWEPT) == 6
    assert resolve_reference(["ceasefire_quarter=none"], DESIGN, SWEPT) == 0


def test_a_reference_that_does_not_match_names_the_axis_and_its_levels():
    with pytest.raises(UserError) as err:
        resolve_reference(["hegemon_pressure=0.5"], DESIGN, SWEPT)
    assert "'0.5' is not a level of hegemon_pressure; its levels are: 0.2, 0.8" in str(err.value)
    with pytest.raises(UserError) as err:
        resolve_reference(["hegemon_presure=0.2"], DESIGN, SWEPT)
    message = str(err.value)
    assert "'hegemon_presure' is not a swept axis; did you mean 'hegemon_pressure'?" in message
    assert "the swept axes are: hegemon_pressure, rival_target_ratio, ceasefire_quarter" in message
    with pytest.raises(UserError, match="no design point 9; the points are 0 to 7"):
        resolve_reference(["9"], DESIGN, SWEPT)
    with pytest.raises(UserError, match="expected AXIS=VALUE or a point"):
        resolve_reference(["hegemon_pressure"], DESIGN, SWEPT)


def test_by_defaults_to_the_first_axis_and_suggests_a_mistyped_one():
    assert resolve_by(None, SWEPT) == "hegemon_pressure"
    assert resolve_by("ceasefire_quarter", SWEPT) == "ceasefire_quarter"
    with pytest.raises(UserError) as err:
        resolve_by("rival_target", SWEPT)
    assert "did you mean 'rival_target_ratio'?" in str(err.value)
    assert "the swept axes are: hegemon_pressure" in str(err.value)


def test_outcomes_choose_series_and_summaries_together():
    summary = pd.DataFrame(
        {"run_id": [0], **{o: [1.0] for o in MAIN_OUTCOMES}, "final_munitions_ratio": [2.0]}
    )
    series = ["alliance_core_share_pct", "munitions_ratio", "cumulative_extra_spending_usd_bn"]
    drawn, tabled = resolve_outcomes(None, summary, series, MAIN_OUTCOMES)
    assert drawn == tuple(series) and tabled == MAIN_OUTCOMES
    # a series and its summary are one outcome: the ratio's summary is its peak
    drawn, tabled = resolve_outcomes(
        "munitions_ratio, final_alliance_core_share_pct", summary, series, MAIN_OUTCOMES
    )
    assert drawn == ("munitions_ratio", "alliance_core_share_pct")
    assert tabled == ("peak_munitions_ratio", "final_alliance_core_share_pct")
    with pytest.raises(UserError) as err:
        resolve_outcomes("final_core_share_pct", summary, series, MAIN_OUTCOMES)
    message = str(err.value)
    assert "unknown outcome 'final_core_share_pct'" in message
    assert "did you mean 'final_alliance_core_share_pct'?" in message
    assert "the outcomes are: alliance_core_share_pct" in message  # every valid name listed


def test_the_command_honours_by_reference_and_outcomes(golden_sweep, tmp_path, capsys):
    out = tmp_path / "r"
    args = ["report", str(golden_sweep), "--out", str(out), "--by", "ceasefire_quarter"]
    args += ["--reference", "hegemon_pressure=0.8", "rival_target_ratio=10"]
    args += ["--outcomes", "final_alliance_core_share_pct,munitions_ratio"]
    assert main(args) == 0
    capsys.readouterr()
    diffs = pd.read_csv(out / "tables" / "paired_differences.csv")
    assert 6 not in set(diffs["arm"]) and set(diffs["arm"]) == {0, 1, 2, 3, 4, 5, 7}  # ref 6
    assert set(diffs["outcome"]) == {"final_alliance_core_share_pct", "peak_munitions_ratio"}
    points = pd.read_csv(out / "tables" / "design_points.csv")
    assert not any(c.startswith("cumulative_extra") for c in points.columns)
    bands = pd.read_csv(out / "tables" / "outcome_bands.csv", keep_default_na=False)
    assert set(bands["outcome"]) == {"alliance_core_share_pct", "munitions_ratio"}
    assert set(bands["ceasefire_quarter"]) == {"", "2026Q1"}  # the levels of --by
    assert set(bands["n"]) == {3}  # one design point per level: the others held at point 6


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--by", "noise_sd_pp"], "--by noise_sd_pp: not a swept axis of this sweep"),
        (["--reference", "rival_target_ratio=4"], "'4' is not a level of rival_target_ratio"),
        (["--outcomes", "peak_ratio"], "did you mean 'peak_munitions_ratio'?"),
    ],
)
def test_bad_options_are_one_clear_line_and_exit_2(golden_sweep, tmp_path, capsys, option, message):
    assert main(["report", str(golden_sweep), "--out", str(tmp_path / "r"), *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # checked before anything is written
