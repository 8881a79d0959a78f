"""``sim run CONFIG --reps N [--posterior DIR]`` (sim.runs.replicated, sim.runs.spread,
sim.runs.posterior_draws): paired seeds, the spread split exactly into noise and
parameters, a posterior draw that is the point fit giving the point fit's runs to the bit, and
clear errors for a folder that is not a posterior."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.config import load_scenario
from sim.core.data import ROOT, load_region_behaviour
from sim.core.ensemble import simulate
from sim.core.members import members_of
from sim.runs import posterior_draws, replicated, spread
from sim.validation.search_space import POOLED as SEARCHED

BACKCAST = "configs/backcast_2014.toml"
COMMITTED = ROOT / "configs" / "data" / "posterior"
POOLED = [name for name, _, _ in SEARCHED]
"""The pooled parameters of the calibration (a fake posterior sets each at the point fit)."""


def point_fit_posterior(folder, particles=2):
    """A posterior folder whose every particle is the committed point fit (the backcast's
    config: behaviour.toml, backcast_fitted.toml and the region table)."""
    folder.mkdir(parents=True, exist_ok=True)
    params = load_scenario(BACKCAST).params
    regions = load_region_behaviour(ROOT / params.region_behaviour_file)
    row = {name: getattr(params, name) for name in POOLED}
    row.update({f"threat_multiplier:{r}": t for r, (t, _) in regions.items() if t != 1.0})
    table = pd.DataFrame([row] * particles)
    table.insert(0, "distance", 0.1)
    table.insert(0, "weight", 1.0 / particles)
    table.insert(0, "particle", range(particles))
    table.to_csv(folder / "posterior.csv", index=False)
    manifest = {"kind": "posterior", "config": BACKCAST}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


# -- the decomposition ---------------------------------------------------------------------------


def test_the_two_parts_add_up_to_the_whole_variance():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(7, 5)) + rng.normal(size=(7, 1))
    row = spread.decompose(y)
    # the law of total variance with population variances is an identity
    assert row["total_sd"] ** 2 == pytest.approx(row["noise_sd"] ** 2 + row["parameter_sd"] ** 2)
    assert row["q05"] <= row["median"] <= row["q95"]


def test_limit_cases_put_all_the_spread_on_one_side():
    noise_only = spread.decompose(np.array([[1.0, 2.0, 4.0]]))  # one draw
    assert noise_only["parameter_sd"] == 0 and noise_only["parameter_share"] == 0
    params_only = spread.decompose(np.array([[1.0, 1.0], [3.0, 3.0]]))  # no noise
    assert params_only["noise_sd"] == 0 and params_only["parameter_share"] == 1
    assert params_only["noise_q05"] == params_only["noise_q95"] == params_only["median"]


def test_the_parts_are_estimated_within_sampling_error():
    # parameter s.d. 2, noise s.d. 1: the parameters' share of the variance is 4/5; with 400
    # draws x 50 replications its sampling s.d. is about 0.01, so 0.05 is five of them
    rng = np.random.default_rng(7)
    y = 2.0 * rng.normal(size=(400, 1)) + rng.normal(size=(400, 50))
    row = spread.decompose(y)
    assert row["parameter_share"] == pytest.approx(0.8, abs=0.05)
    assert row["noise_sd"] == pytest.approx(1.0, abs=0.03)
    # the noise's 90% interval is +-1.645 s.d. around the median (1,000 replications per draw:
    # the sample quantiles' bias is under 1%, their sampling s.d. over 100 draws about 0.01)
    y = 2.0 * rng.normal(size=(100, 1)) + rng.normal(size=(100, 1000))
    row = spread.decompose(y)
    assert row["noise_q95"] - row["noise_q05"] == pytest.approx(2 * 1.645, abs=0.05)


# -- posterior draws -----------------------------------------------------------------------------


def test_resampling_follows_the_weights_and_the_seed(tmp_path):
    folder = point_fit_posterior(tmp_path / "post", particles=4)
    table = pd.read_csv(folder / "posterior.csv")
    table["weight"] = [0.1, 0.2, 0.3, 0.4]
    table.to_csv(folder / "posterior.csv", index=False)
    post = posterior_draws.load_posterior(folder)
    picked = posterior_draws.resample(post, 1000, seed=3)
    # systematic resampling: each particle's count is within 1 of 1000 x its weight
    counts = picked["particle"].value_counts().sort_index().to_numpy()
    assert np.all(np.abs(counts - np.array([100, 200, 300, 400])) <= 1)
    again = posterior_draws.resample(post, 1000, seed=3)
    assert again.equals(picked)
    assert picked["draw"].tolist() == list(range(1000))


@pytest.mark.parametrize("config", ["hague", BACKCAST])
def test_a_draw_that_is_the_point_fit_runs_as_the_point_fit(tmp_path, config):
    # the draw's values go where the config's go: the scenario's behaviour, the backcast's start
    # shock (hague starts from the backcast) and the region multipliers: the same bits
    folder = point_fit_posterior(tmp_path / "post")
    scenario = load_scenario(config)
    ensemble = replicated.simulate_ensemble(scenario, reps=3, posterior=folder, draws=2)
    seeds = replicated.rep_seeds(scenario.seed, 3)
    plain = simulate([scenario.params] * 3, seeds)
    core = plain.alliance[:, :, list(plain_columns()).index("alliance_core_share_pct")]
    runs = ensemble.alliance.pivot(
        index="run_id", columns="quarter", values="alliance_core_share_pct"
    )
    assert np.array_equal(runs.to_numpy(), np.vstack([core, core]))
    assert ensemble.runs["seed"].tolist() == seeds * 2  # paired across draws


def plain_columns():
    from sim.core.metrics import ALLIANCE_COLUMNS

    return ALLIANCE_COLUMNS


def test_a_posterior_of_another_backcast_is_refused(tmp_path):
    folder = point_fit_posterior(tmp_path / "post")
    manifest = {"kind": "posterior", "config": "configs/hague.toml"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    post = posterior_draws.load_posterior(folder)
    scenario = load_scenario("hague")
    with pytest.raises(posterior_draws.PosteriorError, match="another backcast"):
        posterior_draws.draw_inputs(
            post, posterior_draws.resample(post, 1, 0), scenario.params, members_of(scenario.params)
        )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: (f / "manifest.json").write_text('{"kind": "run"}'), "kind"),
        (lambda f: (f / "manifest.json").unlink(), "manifest"),
        (lambda f: _set_weights(f, [0.7, 0.7]), "summing to 1"),
        (lambda f: _set_weights(f, [1.5, -0.5]), "weights >= 0"),
        (lambda f: _add_column(f, "threat_sensitivty_pp"), "threat_sensitivty_pp"),
    ],
)
def test_a_folder_that_is_not_a_posterior_is_refused_by_name(tmp_path, capsys, edit, message):
    folder = point_fit_posterior(tmp_path / "post")
    edit(folder)
    out = tmp_path / "out"
    argv = ["run", "hague", "--posterior", str(folder), "--reps", "1", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and str(folder) in err
    assert not out.exists()  # nothing half-written


def _set_weights(folder, weights):
    table = pd.read_csv(folder / "posterior.csv")
    table["weight"] = weights
    table.to_csv(folder / "posterior.csv", index=False)


def _add_column(folder, name):
    table = pd.read_csv(folder / "posterior.csv")
    table[name] = 1.0
    table.to_csv(folder / "posterior.csv", index=False)


# -- the command ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ens") / "hague"
    argv = ["run", "hague", "--posterior", str(COMMITTED), "--draws", "20", "--reps", "4"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def test_the_folder_holds_every_run_and_its_spread(committed_run):
    manifest = json.loads((committed_run / "manifest.json").read_text())
    assert manifest["kind"] == "ensemble" and (manifest["draws"], manifest["reps"]) == (20, 4)
    assert sorted(p.name for p in committed_run.iterdir()) == manifest["files"]
    runs = pd.read_parquet(committed_run / "runs.parquet")
    assert len(runs) == 80 and (runs["status"] == "ok").all()
    assert runs.groupby("rep")["seed"].nunique().eq(1).all()  # paired seeds
    table = pd.read_csv(committed_run / "spread.csv")
    assert tuple(table.columns) == spread.SPREAD_COLUMNS
    core = table.set_index("outcome").loc["final_alliance_core_share_pct"]
    values = runs["final_alliance_core_share_pct"]
    assert core["median"] == pytest.approx(values.median())
    # the draws differ in their parameters: some of the spread is theirs
    assert 0 < core["parameter_share"] < 1 and core["parameter_sd"] > 0
    summary = json.loads((committed_run / "summary.json").read_text())
    assert summary["outcomes"]["final_alliance_core_share_pct"]["q95"] == pytest.approx(
        core["q95"], abs=1e-6
    )
    bands = pd.read_parquet(committed_run / "bands.parquet")
    last = bands[(bands.metric == "alliance_core_share_pct") & (bands.quarter == "2035Q4")]
    assert last["q50"].item() == pytest.approx(values.median())


def test_same_seed_same_bytes(committed_run, tmp_path):
    out = tmp_path / "again"
    argv = ["run", "hague", "--posterior", str(COMMITTED), "--draws", "20", "--reps", "4"]
    assert main([*argv, "--out", str(out)]) == 0
    for name in ("runs.parquet", "alliance.parquet", "bands.parquet", "spread.csv"):
        assert (out / name).read_bytes() == (committed_run / name).read_bytes(), name


def test_reps_without_a_posterior_is_noise_alone(tmp_path, capsys):
    out = tmp_path / "noise"
    assert main(["run", "hague", "--reps", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "alliance core share at the end: median" in printed
    table = pd.read_csv(out / "spread.csv").set_index("outcome")
    assert (table["parameter_sd"] == 0).all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["seed"].tolist() == replicated.rep_seeds(load_scenario("hague").seed, 5)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reps", "0"], "--reps 0"),
        (["--reps", "2", "--posterior", str(COMMITTED), "--draws", "0"], "--draws 0"),
        (["--reps", "2000", "--posterior", str(COMMITTED), "--draws", "1000"], "at most"),
    ],
)
def test_counts_that_cannot_run_are_refused(tmp_path, capsys, argv, message):
    out = tmp_path / "x"
    assert main(["run", "hague", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_package_exposes_the_ensemble():
    import sim

    assert sim.simulate_ensemble is replicated.simulate_ensemble
    assert "simulate_ensemble" in sim.__all__ and "simulate_ensemble" in dir(sim)
