"""Designs (counts, bounds, SALib structure) and seed derivation of sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from sweep_util import write_config

from sim.sweep.config import load_sweep_config
from sim.sweep.designs import derive_seed, make_design, run_plan

RANGES = """
[axes]
hegemon_pressure = { min = 0.1, max = 0.9 }
rival_target_ratio = { min = 2.0, max = 12.0 }
munitions_lead_first_quarters = { min = 2, max = 8 }
"""
D = 3  # the three axes of RANGES
PINNED_12345_0 = 6079829692480772283  # derive_seed(12345, 0), computed when the rule was set


def design(tmp_path, body):
    return make_design(load_sweep_config(write_config(tmp_path, body)))


def test_grid_is_the_full_factorial_in_axis_order(tmp_path):
    d = design(
        tmp_path,
        """replications = 1
[design]
method = "grid"
[axes]
hegemon_pressure = [0.1, 0.5, 0.9]
rival_target_ratio = { min = 2.0, max = 12.0, num = 5 }
use_pledges = [true, false]
""",
    )
    # 3 listed values x 5 range points x 2 booleans, from the config above
    assert len(d.points) == 3 * 5 * 2
    assert d.points.to_pandas()["point_id"].tolist() == list(range(30))
    # np.linspace(2, 12, 5) = 2, 4.5, 7, 9.5, 12; the last axis varies fastest
    assert sorted(set(d.points.to_pandas()["rival_target_ratio"])) == [2.0, 4.5, 7.0, 9.5, 12.0]
    assert d.points.to_pandas()["use_pledges"].tolist()[:2] == [True, False]
    assert d.points.to_pandas()["hegemon_pressure"].tolist()[:10] == [0.1] * 10
    assert d.problem is None and d.salib is None


def test_lhs_has_one_point_per_stratum_within_bounds(tmp_path):
    d = design(tmp_path, 'replications = 1\n[design]\nmethod = "lhs"\nsamples = 20\n' + RANGES)
    assert len(d.points) == 20  # samples = 20 above
    x = d.points.to_pandas()["hegemon_pressure"].to_numpy()
    assert x.min() >= 0.1 and x.max() <= 0.9  # the range in RANGES
    # Latin hypercube: each of the 20 equal strata of [0.1, 0.9] holds exactly one point
    strata = np.floor((x - 0.1) / 0.8 * 20).astype(int)
    assert sorted(strata) == list(range(20))
    lead = d.points.to_pandas()["munitions_lead_first_quarters"]
    assert lead.dtype == np.int64 and lead.between(2, 8).all()  # integers rounded, in bounds
    # the same seed (root_seed defaults to the scenario's) gives the same design
    again = design(tmp_path, 'replications = 1\n[design]\nmethod = "lhs"\nsamples = 20\n' + RANGES)
    assert again.points.equals(d.points)


@pytest.mark.parametrize("second", [False, True])
def test_sobol_rows_follow_saltelli_structure(tmp_path, second):
    d = design(
        tmp_path,
        f"""replications = 2
root_seed = 5
[design]
method = "sobol"
samples = 16
calc_second_order = {str(second).lower()}
"""
        + RANGES,
    )
    n = 16
    # SALib: N * (2D + 2) rows with second-order indices, N * (D + 2) without
    assert len(d.points) == (n * (2 * D + 2) if second else n * (D + 2))
    expected = salib_sobol.sample(d.problem, n, calc_second_order=second, seed=5)
    # identical to SALib's own sample (seed = root_seed = 5), integer axis rounded
    np.testing.assert_array_equal(d.points.to_pandas()["hegemon_pressure"], expected[:, 0])
    np.testing.assert_array_equal(
        d.points.to_pandas()["munitions_lead_first_quarters"], np.rint(expected[:, 2]).astype(int)
    )
    assert d.salib["N"] == n and d.salib["calc_second_order"] is second
    # SALib's analyze accepts one output per design row (it raises on a wrong count)
    y = (
        d.points.to_pandas()["hegemon_pressure"].to_numpy()
        + d.points.to_pandas()["rival_target_ratio"].to_numpy()
    )
    problem = {k: d.problem[k] for k in ("num_vars", "names", "bounds")}
    result = sobol_analyze.analyze(problem, y, calc_second_order=second, seed=1)
    assert len(result["ST"]) == D


def test_morris_rows_are_trajectories(tmp_path):
    d = design(
        tmp_path,
        """replications = 1
root_seed = 9
[design]
method = "morris"
samples = 6
levels = 4
"""
        + RANGES,
    )
    # (D + 1) points per trajectory x 6 trajectories (samples = 6)
    assert len(d.points) == (D + 1) * 6
    expected = salib_morris.sample(d.problem, 6, num_levels=4, seed=9)
    np.testing.assert_array_equal(d.points.to_pandas()["rival_target_ratio"], expected[:, 1])
    # along each trajectory consecutive points differ in exactly one factor (unit-scale rows)
    x = expected.reshape(6, D + 1, D)
    changes = (np.diff(x, axis=1) != 0).sum(axis=2)
    assert (changes == 1).all()
    problem = {k: d.problem[k] for k in ("num_vars", "names", "bounds")}
    y = expected[:, 0] * 2.0
    mu_star = morris_analyze.analyze(problem, expected, y, num_levels=4)["mu_star"]
    assert mu_star[0] > 0 and mu_star[1] == 0  # y depends on the first factor only
    assert d.salib["levels"] == 4 and d.salib["method"] == "morris"


def test_seed_derivation_matches_seedsequence_spawn():
    root = 12345
    for k in (0, 1, 7, 1000):
        # the k-th child of SeedSequence(root).spawn, reduced by XOR of its two state words
        words = np.random.SeedSequence(root).spawn(k + 1)[k].generate_state(2, np.uint64)
        assert derive_seed(root, k) == (int(words[0]) ^ int(words[1])) & (2**63 - 1)
        assert 0 <= derive_seed(root, k) < 2**63
    # pinned value (computed once with numpy 2.x SeedSequence): guards against the
    # reduction being changed, which would silently change every sweep's seeds
    assert derive_seed(12345, 0) == PINNED_12345_0


def test_paired_and_independent_seeding():
    paired = pd.DataFrame(run_plan(n_points=3, replications=4, root_seed=7, seeding="paired"))
    assert paired["run_id"].tolist() == list(range(12))
    # run_id = point_id * replications + replication
    assert (paired["run_id"] == paired["point_id"] * 4 + paired["replication"]).all()
    # paired: replication r has the seed of spawn index r at every design point
    for r in range(4):
        seeds = paired.loc[paired["replication"] == r, "seed"].unique()
        assert seeds.tolist() == [derive_seed(7, r)]
    indep = pd.DataFrame(run_plan(n_points=3, replications=4, root_seed=7, seeding="independent"))
    assert indep["seed"].tolist() == [derive_seed(7, k) for k in range(12)]
    assert indep["seed"].nunique() == 12
