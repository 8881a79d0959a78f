"""Scenario discovery (sim.analysis.discovery, python -m sim discover): PRIM finds a box that is
known by construction, says it in words, and refuses outcomes and conditions it cannot use."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis import discovery
from sim.cli import main
from sim.core.data import ROOT


def known_box():
    # the cases are exactly the runs with a < 0.3 and b > 0.5 (15% of a uniform square); c is
    # noise: the box must restrict a and b to about those limits and leave c free
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000), "c": rng.random(2000)})
    return x, ((x["a"] < 0.3) & (x["b"] > 0.5)).to_numpy()


def test_prim_finds_a_box_known_by_construction():
    x, cases = known_box()
    # the widest box of which 95% of the runs are cases holds all of them, and its limits are
    # the true ones: PRIM peels 5% of the remaining runs a step, so within 0.05
    found = discovery.discover(x, cases, density=0.95)
    s = found.stats
    assert s["density"] >= 0.95 and s["coverage"] > 0.95
    limits = found.box.set_index("parameter")
    assert limits.loc["a", "max"] == pytest.approx(0.3, abs=0.05)
    assert limits.loc["b", "min"] == pytest.approx(0.5, abs=0.05)
    assert "c" not in limits.index or limits.loc["c", "qp_value"] > 0.05
    text = discovery.statement(found, "the outcome happens", x)
    assert "a at most 0.3" in text or "a at most 0.2" in text
    assert f"{found.cases} runs of 2000" in text and found.cases == int(cases.sum())


def test_the_chosen_box_is_the_widest_dense_enough():
    x, cases = known_box()
    found = discovery.discover(x, cases, density=0.5)
    t = found.trajectory
    dense = t[t["density"] >= 0.5]
    assert found.chosen == dense["coverage"].idxmax()
    # coverage never rises as PRIM peels
    assert (np.diff(t["coverage"]) <= 1e-12).all()


def test_a_condition_no_run_meets_is_refused():
    x, cases = known_box()
    with pytest.raises(discovery.DiscoveryError, match="no run of 2000"):
        discovery.discover(x, np.zeros_like(cases))
    with pytest.raises(discovery.DiscoveryError, match="every run"):
        discovery.discover(x, np.ones_like(cases))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("disc") / "sweep"
    config = ROOT / "configs" / "sweeps" / "posterior_pressure.toml"
    assert main(["sweep", str(config), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    return out


def test_the_command_writes_the_box_and_says_it(sweep, capsys):
    argv = ["discover", str(sweep), "--outcome", "final_alliance_core_share_pct", "--below", "3.3"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    folder = sweep / "discovery-final_alliance_core_share_pct"
    summary = json.loads((folder / "discovery.json").read_text())
    assert summary["statement"] in printed and "is below 3.3" in summary["statement"]
    assert summary["runs"] == 600 and 0 < summary["cases"] < 600
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(p.name for p in folder.iterdir()) == manifest["files"]
    # the inputs are what varies: the swept US pressure and the posterior's drawn behaviour
    assert "hegemon_pressure" in summary["inputs"] and "threat_sensitivity_pp" in summary["inputs"]
    box = pd.read_csv(folder / "box.csv")
    assert set(box["parameter"]) <= set(summary["inputs"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "final_alliance_core_share", "--below", "3"], "did you mean"),
        (["--outcome", "final_alliance_core_share_pct"], "one of --below VALUE and --above"),
        (["--outcome", "final_alliance_core_share_pct", "--below", "0"], "no run of 600"),
    ],
)
def test_bad_requests_give_one_line(sweep, tmp_path, capsys, args, message):
    assert main(["discover", str(sweep), *args, "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
