"""``python -m sim calibrate CONFIG --method abc`` (sim.validation.posterior.command): one folder
with the posterior, its diagnostics and figures; the members held at the point fit; one-line
errors for options a posterior cannot take."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.config import load_scenario
from sim.core.data import ROOT, load_member_behaviour
from sim.validation import calibrate
from sim.validation.posterior import command, output

BACKCAST = str(ROOT / "configs" / "backcast_2014.toml")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("abc") / "posterior"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(calibrate.BUDGET_ENV, "smoke")
        assert main(["calibrate", BACKCAST, "--method", "abc", "--out", str(out)]) == 0
    return out


def test_the_folder_holds_the_posterior_and_says_what_made_it(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "posterior" and manifest["budget"].startswith("smoke")
    assert sorted(p.name for p in folder.iterdir()) == manifest["files"]
    assert set(output.FILES) <= set(manifest["files"])
    table = pd.read_csv(folder / "posterior.csv")
    assert len(table) == command.SMOKE_BUDGET.smc.particles
    assert table["weight"].sum() == pytest.approx(1.0)
    # the 7 pooled parameters and the 6 regions other than the reference: no member coordinate
    coords = [c for c in table.columns if c not in ("particle", "weight", "distance")]
    assert len(coords) == 13 and not any(len(c.split(":")[-1]) == 3 for c in coords)
    multipliers = table[[c for c in coords if ":" in c]]
    assert (multipliers > 0).all().all()  # written as multipliers, not their logs
    generations = pd.read_csv(folder / "generations.csv")
    assert generations["generation"].tolist() == [0, 1, 2]
    narrowing = pd.read_csv(folder / "narrowing.csv")
    assert narrowing["coordinate"].tolist() == coords
    assert np.allclose(narrowing["narrowed"], 1 - narrowing["sd_ratio"])


def test_the_search_vectors_come_back_from_the_file(folder):
    scenario = load_scenario(BACKCAST)
    obj = command.objective_for(scenario.params, scenario.seed, command.SMOKE_BUDGET)
    table = pd.read_csv(folder / "posterior.csv")
    xs = output.search_vectors(obj.coords, table)
    again = output.natural(obj.coords, xs)
    assert again == pytest.approx(table[[c.name for c in obj.coords]].to_numpy())


def test_the_members_are_held_at_the_point_fit():
    scenario = load_scenario(BACKCAST)
    obj = command.objective_for(scenario.params, scenario.seed, command.SMOKE_BUDGET)
    held = load_member_behaviour(scenario.params.member_behaviour_file)
    x = obj.start()  # every region at 1: a member's multiplier is its own fitted one
    members = obj.members_of(x)
    for i, iso3 in enumerate(members.iso3):
        if iso3 in held:
            assert members.threat_multiplier[i] == pytest.approx(held[iso3][0])
    # the distance is the loss less its ridge (the priors take the ridge's place)
    xs = np.stack([x, x + 0.1 * (np.arange(len(x)) % 2)])
    ridge = (xs**2) @ obj.prior_weights()
    assert obj.distances(xs) == pytest.approx(obj.batch(xs) - ridge)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--in-place", "--out", "x"], "cannot be combined with --out"),
        (["--holdout-year", "2024", "--out", "x"], "no --holdout-year with --method abc"),
    ],
)
def test_options_a_posterior_cannot_take_give_one_line(tmp_path, capsys, args, message):
    assert main(["calibrate", BACKCAST, "--method", "abc", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_existing_folder_is_not_replaced(folder, capsys):
    before = (folder / "posterior.csv").read_bytes()
    assert main(["calibrate", BACKCAST, "--method", "abc", "--out", str(folder)]) == 2
    assert "exists" in capsys.readouterr().err
    assert (folder / "posterior.csv").read_bytes() == before
