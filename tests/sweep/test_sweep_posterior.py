"""A sweep whose runs draw their behaviour from a posterior (sim.sweep.posterior): replication k
runs draw k % draws with the paired seed of k // draws, an axis keeps its value, a draw that is
the point fit runs as the point fit, and the report splits the spread into noise and parameters."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sweep_util import write_config

from sim.core.config import ConfigError, load_scenario
from sim.core.data import ROOT, load_region_behaviour
from sim.sweep.config import load_sweep_config
from sim.sweep.designs import derive_seed
from sim.sweep.runner import run_sweep
from sim.validation.search_space import POOLED as SEARCHED

POSTERIOR = ROOT / "configs" / "data" / "posterior"
POOLED = [name for name, _, _ in SEARCHED]
"""The pooled parameters of the calibration (a fake posterior sets each at the point fit)."""
GRID = '[design]\nmethod = "grid"\n[axes]\nnoise_sd_pp = [0.03, 0.06]\n'


def point_fit_posterior(folder):
    """A posterior folder whose particles are all the committed point fit."""
    folder.mkdir(parents=True)
    params = load_scenario("configs/backcast_2014.toml").params
    regions = load_region_behaviour(ROOT / params.region_behaviour_file)
    row = {name: getattr(params, name) for name in POOLED}
    row.update({f"threat_multiplier:{r}": t for r, (t, _) in regions.items() if t != 1.0})
    table = pd.DataFrame([row] * 3).assign(weight=1 / 3, distance=0.0)
    table.insert(0, "particle", range(3))
    table.to_csv(folder / "posterior.csv", index=False)
    manifest = {"kind": "posterior", "config": "configs/backcast_2014.toml"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_draw_at_the_point_fit_runs_as_the_point_fit(tmp_path):
    # 3 draws x 2 replications against 2 plain replications: run (draw d, replication r) has
    # the seed and, the draw being the point fit, the numbers of the plain sweep's replication r
    folder = point_fit_posterior(tmp_path / "post")
    body = f'[posterior]\nfolder = "{folder}"\ndraws = 3\n' + GRID
    drawn = run_sweep(
        load_sweep_config(write_config(tmp_path, "replications = 6\n" + body, "drawn")),
        tmp_path / "drawn",
        workers=1,
        quiet=True,
    )
    plain = run_sweep(
        load_sweep_config(write_config(tmp_path, "replications = 2\n" + GRID, "plain")),
        tmp_path / "plain",
        workers=1,
        quiet=True,
    )
    a = drawn.summary.merge(drawn.runs[["run_id", "point_id", "replication", "seed"]])
    b = plain.summary.merge(plain.runs[["run_id", "point_id", "replication", "seed"]])
    a = a.assign(replication=a["replication"] // 3)  # the draw's paired replication
    merged = a.merge(b, on=["point_id", "replication"], suffixes=("", "_plain"))
    assert len(merged) == 12 and (merged["seed"] == merged["seed_plain"]).all()
    for column in ("final_alliance_core_share_pct", "cumulative_extra_spending_usd_bn"):
        assert np.array_equal(merged[column], merged[f"{column}_plain"]), column


@pytest.fixture(scope="module")
def posterior_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ps")
    body = (
        f'replications = 8\n[posterior]\nfolder = "{POSTERIOR}"\ndraws = 4\n'
        '[design]\nmethod = "grid"\n[axes]\nhegemon_pressure = [0.1, 0.6]\n'
    )
    config = load_sweep_config(write_config(tmp, body, "ps"))
    return run_sweep(config, tmp / "out", workers=1, quiet=True), tmp / "out"


def test_each_run_records_its_draw_and_an_axis_keeps_its_value(posterior_sweep):
    result, _ = posterior_sweep
    runs = result.runs
    assert (runs["status"] == "ok").all() and len(runs) == 16
    # the axis wins over the posterior's US pressure; the draws' other values vary
    assert sorted(runs["hegemon_pressure"].unique()) == [0.1, 0.6]
    within = runs.groupby("point_id")["threat_sensitivity_pp"].nunique()
    assert (within > 1).all()
    # replication k: draw k % 4 (the same draw at both points), the seed of k // 4
    root = result.manifest["config"]["root_seed"]
    assert runs["seed"].tolist() == [derive_seed(root, k // 4) for k in runs["replication"]]
    same_draw = runs.groupby("replication")["threat_sensitivity_pp"].nunique()
    assert (same_draw == 1).all()


def test_the_report_splits_the_spread(posterior_sweep):
    from sim.analysis.report import build_report

    _, out = posterior_sweep
    report = build_report(out, warn=lambda _m: None)
    table = pd.read_csv(report.out / "tables" / "spread.csv")
    assert set(table["point_id"]) == {0, 1}
    core = table[table["outcome"] == "final_alliance_core_share_pct"]
    assert ((core["parameter_share"] > 0) & (core["parameter_share"] <= 1)).all()
    assert np.allclose(core["total_sd"] ** 2, core["noise_sd"] ** 2 + core["parameter_sd"] ** 2)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('replications = 6\n[posterior]\nfolder = "{post}"\ndraws = 4\n', "posterior.draws"),
        ('replications = 4\n[posterior]\nfolder = "nowhere"\ndraws = 2\n', "posterior.folder"),
        ('replications = 4\n[posterior]\nfolder = "{post}"\ndraw = 2\n', "posterior.draw"),
    ],
)
def test_a_bad_posterior_table_is_refused_by_key(tmp_path, body, key):
    path = write_config(tmp_path, body.format(post=POSTERIOR) + GRID)
    with pytest.raises(ConfigError) as err:
        load_sweep_config(path)
    assert key in str(err.value) and str(path) in str(err.value)


def test_the_posterior_is_part_of_the_config_hash(tmp_path):
    four = write_config(
        tmp_path, f'replications = 8\n[posterior]\nfolder = "{POSTERIOR}"\ndraws = 4\n' + GRID, "a"
    )
    two = write_config(
        tmp_path, f'replications = 8\n[posterior]\nfolder = "{POSTERIOR}"\ndraws = 2\n' + GRID, "b"
    )
    none = write_config(tmp_path, "replications = 8\n" + GRID, "c")
    hashes = {load_sweep_config(p).config_hash() for p in (four, two, none)}
    assert len(hashes) == 3


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "configs" / "sweeps").glob("*.toml"))
)
def test_every_shipped_sweep_config_is_valid(name):
    # each shipped sweep config reads, draws its design and, with a [posterior], its draws
    from sim.sweep.plan import make_plan

    plan = make_plan(load_sweep_config(ROOT / "configs" / "sweeps" / name))
    assert plan.n_runs > 0
    if plan.config.posterior is not None:
        assert len(plan.draws.table) == plan.config.posterior.draws
        assert plan.config.replications % plan.config.posterior.draws == 0


def test_a_sweep_result_says_what_it_holds(posterior_sweep):
    result, out = posterior_sweep
    text = repr(result)
    assert text.startswith("SweepResult('ps'") and "2 design points x 8 replications" in text
    assert "complete" in text and "alliance" in text and str(out) in text
