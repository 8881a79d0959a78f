"""``python -m sim hindcast`` (sim.validation.hindcast.command): one folder with the scores of the
model and the three baselines at each origin and horizon, and one-line errors for bad options."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.core.data import ROOT
from sim.validation import calibrate

BACKCAST = str(ROOT / "configs" / "backcast_2014.toml")
METHODS = {"model", "persistence", "trend", "partial_adjustment"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small hindcast: 2 origins, horizons 1-2, the smoke budget, 4 replications."""
    out = tmp_path_factory.mktemp("hc") / "hindcast"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(calibrate.BUDGET_ENV, "smoke")
        code = main(
            [
                "hindcast",
                BACKCAST,
                "--origins",
                "2019,2022",
                "--horizons",
                "1,2",
                "--runs",
                "4",
                "--out",
                str(out),
            ]
        )
    assert code == 0
    return out


def test_every_method_is_scored_at_every_origin_and_horizon(folder):
    table = pd.read_parquet(folder / "scores.parquet")
    assert set(table["method"]) == METHODS
    # origin 2019: 2020 and 2021; origin 2022: 2023 and 2024 (the record ends in 2024)
    for method in METHODS:
        rows = table[table["method"] == method]
        assert sorted(zip(rows["origin"], rows["year"], strict=True)) == [
            (2019, 2020),
            (2019, 2021),
            (2022, 2023),
            (2022, 2024),
        ]
    # every scored member-year is an armed ally with a figure in the record: 29 in 2020-2021
    # (the 32 less Iceland, without armed forces, and Finland and Sweden, not yet allies), 30
    # with Finland (2023), 31 with Sweden (2024)
    counts = table.groupby("year")["member_years"].unique()
    assert {int(y): list(v) for y, v in counts.items()} == {
        2020: [29],
        2021: [29],
        2023: [30],
        2024: [31],
    }


def test_the_folder_says_what_made_it(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "hindcast" and manifest["origins"] == [2019, 2022]
    assert manifest["budget"].startswith("smoke")  # never mistaken for the published hindcast
    assert sorted(p.name for p in folder.iterdir()) == manifest["files"]
    fits = pd.read_csv(folder / "fits.csv")
    assert fits["origin"].tolist() == [2019, 2022]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origins", "2016-2023"], "--origins '2016-2023': expected years as FIRST:LAST"),
        (["--origins", "2024"], "outside 2015-2023"),
        (["--horizons", "0,1"], "--horizons '0,1': expected positive whole numbers"),
        (["--runs", "1"], "--runs 1: expected at least 2"),
        (["--origins", "2016", "--horizons", "9"], "no forecast year within the record"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main(["hindcast", BACKCAST, "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_an_existing_folder_is_not_replaced(folder, capsys):
    before = (folder / "scores.csv").read_bytes()
    assert main(["hindcast", BACKCAST, "--origins", "2019", "--out", str(folder)]) == 2
    assert "exists" in capsys.readouterr().err
    assert (folder / "scores.csv").read_bytes() == before


def test_a_forward_scenario_is_refused_before_any_fit(tmp_path, capsys):
    hague = str(ROOT / "configs" / "hague.toml")  # starts in 2025Q1, after the record
    assert main(["hindcast", hague, "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "starts in 2025, outside the record (2014-2024)" in err and "Traceback" not in err


def test_baselines_alone_on_sipris_longer_record(tmp_path):
    # SIPRI's table starts in 1990 (seeds/panel/SOURCES.md): origins before the backcast's
    # start can score the baselines, with no fit of the model
    out = tmp_path / "sipri"
    args = ["--record", "sipri", "--baselines-only", "--origins", "1999,2009", "--horizons", "1"]
    assert main(["hindcast", BACKCAST, *args, "--out", str(out)]) == 0
    table = pd.read_parquet(out / "scores.parquet")
    assert set(table["method"]) == METHODS - {"model"}
    assert sorted(set(zip(table["origin"], table["year"], strict=True))) == [
        (1999, 2000),
        (2009, 2010),
    ]
    assert not (out / "fits.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baselines_only"] and manifest["record"].startswith("sipri")


def test_no_member_multipliers_fits_without_them_and_says_so(tmp_path, monkeypatch):
    from sim.validation.hindcast import command

    budgets = []
    original = command.run_hindcast

    def recording(*args, **kwargs):
        budgets.append(kwargs["budget"])
        return original(*args, **kwargs)

    monkeypatch.setattr(command, "run_hindcast", recording)
    monkeypatch.setenv(calibrate.BUDGET_ENV, "smoke")
    out = tmp_path / "hc"
    argv = ["hindcast", BACKCAST, "--origins", "2022", "--horizons", "1", "--runs", "2"]
    assert main([*argv, "--out", str(out), "--no-member-multipliers"]) == 0
    assert main([*argv, "--out", str(tmp_path / "with")]) == 0
    # the smoke budget with its member stage switched off, and otherwise the same search
    assert budgets[0].members is False and budgets[1].members is True
    assert budgets[0] == calibrate.SMOKE_BUDGET.__class__(
        **{**vars(calibrate.SMOKE_BUDGET), "members": False}
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["member_multipliers"] is False
    assert json.loads((tmp_path / "with" / "manifest.json").read_text())["member_multipliers"]
    # issue 15: the pressure multipliers are not fitted by default; the option brings them back
    assert budgets[1].pressure_multipliers is False
    back = tmp_path / "pressure"
    assert main([*argv, "--out", str(back), "--pressure-multipliers"]) == 0
    assert budgets[2] == calibrate.SMOKE_BUDGET.__class__(
        **{**vars(calibrate.SMOKE_BUDGET), "pressure_multipliers": True}
    )
    assert json.loads((back / "manifest.json").read_text())["pressure_multipliers"] is True
    assert manifest["pressure_multipliers"] is False


def test_the_rival_is_on_the_scoreboard(folder):
    # issue 16 item 2: the rival's share (SIPRI, every year) and both sides' outputs (the dated
    # ranges: rival 2021 and 2024, allies 2023 and 2024) are scored for the model and persistence
    rival = pd.read_csv(folder / "rival_scores.csv")
    model = rival[rival["method"] == "model"]
    shares = model[model["quantity"] == "rival_defence_share_pct"]
    assert sorted(shares["year"]) == [2020, 2021, 2023, 2024]
    outputs = model[model["quantity"] != "rival_defence_share_pct"]
    assert sorted(zip(outputs["quantity"], outputs["year"], strict=True)) == [
        ("alliance_munitions_output", 2023),
        ("alliance_munitions_output", 2024),
        ("rival_munitions_output", 2021),
        ("rival_munitions_output", 2024),
    ]
    persistence = rival[rival["method"] == "persistence"]
    assert set(persistence["quantity"]) == {"rival_defence_share_pct"}  # no output at 2019/2022
    summary = pd.read_csv(folder / "rival_summary.csv")
    assert set(summary["method"]) == {"model", "persistence"}
    fits = pd.read_csv(folder / "fits.csv")
    assert (fits["rival_budget_noise_sd_pp"] > 0).all()  # derived from SIPRI up to each origin
