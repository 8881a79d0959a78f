"""Calibration (issue 5, item 4): deterministic per seed, writes the inherited config, reports.

The full calibration (50 replications, about two minutes) is run by ``python -m sim calibrate``
and ``experiments/validation``; these tests use a small budget, and check the committed result.
"""

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim import backcast, calibrate, calibration_output
from sim.config import load_scenario
from sim.data import ROOT, load_region_behaviour
from sim.ensemble import members_of, simulate

BACKCAST = ROOT / "configs" / "backcast_2014.toml"
SMALL = calibrate.Budget(n_runs=8, de_maxiter=1, de_popsize=1, powell_maxfev=40,
                         nm_maxiter=20)


@pytest.fixture(scope="module")
def small_fit():
    scenario = load_scenario(BACKCAST)
    return calibrate.calibrate(scenario.params, 7, SMALL)


def test_objective_equals_the_ensemble_bit_for_bit():
    scenario = load_scenario(BACKCAST)
    obj = calibrate.Objective(scenario.params, 11, calibrate.Budget(n_runs=6))
    x = obj.start()
    x[3] += 0.1  # any point
    shares = obj.annual_shares(x)
    traj = simulate([obj.params_of(x)] * 6, obj.seeds, members=obj.members_of(x),
                    keep_members=True)
    assert np.array_equal(shares, backcast.annual_shares(traj, obj.years))


def test_calibration_is_deterministic_for_a_seed(small_fit):
    scenario = load_scenario(BACKCAST)
    again = calibrate.calibrate(scenario.params, 7, SMALL)
    assert np.array_equal(again.x, small_fit.x)
    assert again.loss["loss"] == small_fit.loss["loss"]
    assert small_fit.loss["loss"] <= small_fit.start_loss  # never worse than the start


def test_written_config_is_inherited_and_reproduces_the_fit(small_fit, tmp_path):
    out = tmp_path / "behaviour.toml"
    regions = tmp_path / "behaviour_regions.csv"
    calibration_output.write_result(small_fit, out, regions, tmp_path / "report", "test")
    doc = tomllib.loads(out.read_text())
    assert doc["params"]["region_behaviour_file"] == str(regions)
    assert "FITTED by `test`" in out.read_text()
    # the backcast-only values are not in the file the forward scenarios inherit, but in
    # <stem>_backcast.toml next to it, which inherits it
    backcast_file = tmp_path / "behaviour_backcast.toml"
    back = tomllib.loads(backcast_file.read_text())
    assert back["inherits"] == "behaviour.toml"
    assert set(back["params"]) == set(calibrate.BACKCAST_ONLY)
    assert not set(doc["params"]) & set(calibrate.BACKCAST_ONLY)
    assert load_scenario(out).params.start_threat_shock_size == 0.0
    # a scenario inheriting the backcast file gets the fitted values and the region multipliers
    child = tmp_path / "child.toml"
    child.write_text('inherits = "behaviour_backcast.toml"\n[params]\nstart_quarter = "2014Q3"\n'
                     'end_quarter = "2024Q4"\ninitial_data_year = 2014\n')
    params = load_scenario(child).params
    for name, value in small_fit.fitted_values().items():
        assert getattr(params, name) == value
    assert params.free_riding_strength == 0.1  # held at its documented prior (sim.params)
    table = load_region_behaviour(regions)
    members = members_of(params)
    expected = small_fit.objective.members_of(small_fit.x)
    assert np.allclose(members.threat_response, expected.threat_response, atol=1e-4)
    assert set(table) == set(small_fit.objective.regions)
    for name in ("fit_members.csv", "fit_member_years.csv", "fit_counts.csv",
                 "identification.csv", "backcast_targets.csv", "calibration.json"):
        assert (tmp_path / "report" / name).is_file()


def test_backcast_only_values_stay_out_of_the_forward_scenarios():
    """configs/behaviour.toml (inherited by the forward scenarios) has no backcast-only value;
    configs/data/backcast_fitted.toml has them and sits between it and the backcast."""
    behaviour = tomllib.loads((ROOT / "configs" / "behaviour.toml").read_text())
    fitted = tomllib.loads((ROOT / "configs" / "data" / "backcast_fitted.toml").read_text())
    assert not set(behaviour["params"]) & set(calibrate.BACKCAST_ONLY)
    assert set(fitted["params"]) == set(calibrate.BACKCAST_ONLY)
    assert (ROOT / "configs" / "data" / fitted["inherits"]).resolve() == (
        ROOT / "configs" / "behaviour.toml")
    chain = load_scenario(BACKCAST).chain
    assert [Path(p).name for p in chain] == ["backcast_2014.toml", "backcast_fitted.toml",
                                            "behaviour.toml"]
    assert load_scenario(ROOT / "configs" / "hague.toml").params.start_threat_shock_size == 0.0


def test_report_names_what_the_data_do_not_identify(small_fit):
    ident = small_fit.identification
    assert list(ident["parameter"]) == [c.name for c in small_fit.objective.coords]
    assert {"identified", "at_bound", "ci95_low", "ci95_high"} <= set(ident.columns)
    # one eigen-direction per coordinate, flattest first
    assert len(small_fit.directions) == len(small_fit.objective.coords)
    assert small_fit.directions["eigenvalue"].is_monotonic_increasing
    assert "NOT" in calibration_output.summary_text(small_fit) or ident["identified"].all()


def test_cli_calibrate_writes_where_asked(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setattr(calibrate, "CLI_BUDGET", SMALL)
    monkeypatch.chdir(tmp_path)
    committed = {p: p.read_bytes() for p in (ROOT / "configs").rglob("*") if p.is_file()}
    out = tmp_path / "fitted.toml"
    assert main(["calibrate", str(BACKCAST), "--out", str(out), "--seed", "3"]) == 0
    assert out.is_file() and (tmp_path / "fitted_regions.csv").is_file()
    assert (tmp_path / "fitted_backcast.toml").is_file()  # not configs/data/backcast_fitted.toml
    assert (tmp_path / "fitted_report" / "calibration.json").is_file()
    assert "loss" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in (ROOT / "configs").rglob("*") if p.is_file()} == committed


def test_committed_behaviour_is_the_calibration_result():
    """configs/behaviour.toml records its loss; recomputing it from the committed files (the
    backcast config, which inherits them with the backcast-only values) gives it back."""
    path = ROOT / "configs" / "behaviour.toml"
    text = path.read_text()
    assert "FITTED by `python -m sim calibrate configs/backcast_2014.toml`" in text
    seed = int(re.search(r"\(seed (\d+), (\d+) replications", text).group(1))
    n_runs = int(re.search(r"\(seed (\d+), (\d+) replications", text).group(2))
    recorded = float(re.search(r"# Loss ([0-9.]+)", text).group(1))
    assert n_runs >= 50  # issue 5: at least 50 replications per evaluation
    scenario = load_scenario(BACKCAST)
    obj = calibrate.Objective(scenario.params, seed, calibrate.Budget(n_runs=n_runs))
    x = obj.start(load_region_behaviour(scenario.params.region_behaviour_file),
                  values=scenario.params)
    assert math.isclose(obj(x), recorded, abs_tol=1e-5)
    # the backcast-only values come from the same calibration run
    header = re.compile(r"^# (FITTED by|\(seed|Loss [0-9]|Mean allies).*$", re.MULTILINE)
    backcast_text = (ROOT / "configs" / "data" / "backcast_fitted.toml").read_text()
    assert [m.group(0) for m in header.finditer(backcast_text)] == [
        m.group(0) for m in header.finditer(text)]
