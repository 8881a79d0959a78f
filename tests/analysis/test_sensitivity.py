"""Sensitivity indices through the code path that analyses a sweep, on functions with known indices.

An Ishigami "sweep" (the test function of Ishigami & Homma 1990, with a = 7, b = 0.1) and a
linear Morris "sweep" are laid out as a loaded sweep is (design in SALib's order, runs with
replications, per-run summaries) and fed to ``sim.analysis.sensitivity.analyse_sweep``.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.analysis.sensitivity import analyse_sweep, sobol_indices
from sim.core.errors import UserError

A, B = 7.0, 0.1
N_BASE = 4096
"""Base sample size of the Ishigami Sobol' sample: N (D + 2) = 20,480 points for D = 3."""
TOLERANCE = 0.05
"""Absolute tolerance on each index. At N = 4096 SALib's bootstrap 95% half-widths of these
indices are at most ~0.045 (asserted below), i.e. a standard error of at most ~0.023 (the
estimators' error falls as 1/sqrt(N)); 0.05 is about two standard errors of the worst index,
and the sample and the bootstrap are seeded, so the test is deterministic."""


def ishigami(x):
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices():
    """Closed-form variances of the Ishigami function (x_i uniform on [-pi, pi]).

    V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2; V2 = a^2/8; V3 = 0;
    V13 = b^2 pi^8 (1/18 - 1/50) (Sobol' & Levitan 1999; Saltelli et al. 2008, §4.9).
    """
    pi = np.pi
    var = A**2 / 8 + B * pi**4 / 5 + B**2 * pi**8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + B * pi**4 / 5) ** 2, A**2 / 8, B**2 * pi**8 * (1 / 18 - 1 / 50)
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def fake_sweep(problem, X, y, replications=2):
    """A loaded sweep's tables: replication r of point p gets y[p] +/- a spread averaging to 0."""
    names = problem["names"]
    design = pd.DataFrame(X, columns=names)
    design.insert(0, "point_id", np.arange(len(X)))
    point = np.repeat(np.arange(len(X)), replications)
    rep = np.tile(np.arange(replications), len(X))
    spread = np.where(rep % 2 == 0, 1.0, -1.0) * (replications % 2 == 0)
    runs = pd.DataFrame(
        {"run_id": np.arange(len(point)), "point_id": point, "replication": rep, "status": "ok"}
    )
    summary = pd.DataFrame({"run_id": runs["run_id"], "y": y[point] + spread, "constant": 1.0})
    return SimpleNamespace(
        manifest={}, runs=runs, summary=summary, design=design, problem=problem, complete=True
    )


@pytest.fixture(scope="module")
def ishigami_sweep():
    problem = {
        "num_vars": 3,
        "names": ["x1", "x2", "x3"],
        "bounds": [[-np.pi, np.pi]] * 3,
        "method": "sobol",
        "N": N_BASE,
        "calc_second_order": False,
    }
    X = sobol_sample.sample(problem, N_BASE, calc_second_order=False, seed=1)
    return fake_sweep(problem, X, ishigami(X))


def test_ishigami_indices_through_analyse_sweep(ishigami_sweep):
    s1, st = ishigami_indices()
    # the closed form itself (values quoted in the literature: S1 = .3139, .4424, 0)
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)
    result = analyse_sweep(ishigami_sweep, outcomes=("y",))
    table = result.table.set_index("parameter")
    assert result.method == "sobol" and result.replications == 2
    assert result.n_points == N_BASE * 5
    np.testing.assert_allclose(table["S1"], s1, atol=TOLERANCE)
    np.testing.assert_allclose(table["ST"], st, atol=TOLERANCE)
    assert (table[["S1_conf", "ST_conf"]].to_numpy() < 0.045).all()
    # the same seed gives the same intervals
    again = analyse_sweep(ishigami_sweep, outcomes=("y",)).table
    pd.testing.assert_frame_equal(result.table, again)


def test_constant_outcome_has_no_indices(ishigami_sweep):
    result = analyse_sweep(ishigami_sweep, outcomes=("constant",))
    assert result.table[["S1", "ST"]].isna().all().all()
    assert "same at every design point" in result.notes[0]


def test_second_order_pairs():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(problem, 1024, calc_second_order=True, seed=2)
    _, second = sobol_indices(problem, ishigami(X), calc_second_order=True)
    s2 = second.set_index(["parameter", "other"])["S2"]
    # V13 / V = 0.2437 (closed form above); x1-x2 and x2-x3 do not interact. At N = 1024 the
    # bootstrap half-widths of S2 are about 0.1, hence the tolerance.
    v13 = ishigami_indices()[1][2]
    assert s2[("x1", "x3")] == pytest.approx(v13, abs=0.1)
    assert abs(s2[("x1", "x2")]) < 0.1 and abs(s2[("x2", "x3")]) < 0.1


def test_morris_on_a_linear_function_through_analyse_sweep():
    # y = 1 a - 2 b + 0.5 c: every elementary effect of x_i over its full range is
    # c_i (hi - lo), so mu* = (1, 4, 1), mu = (1, -4, 1) and sigma = 0 exactly
    problem = {
        "num_vars": 3,
        "names": ["a", "b", "c"],
        "bounds": [[0, 1], [0, 2], [-1, 1]],
        "method": "morris",
        "N": 20,
        "levels": 4,
    }
    X = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    result = analyse_sweep(fake_sweep(problem, X, X @ np.array([1.0, -2.0, 0.5])), outcomes=("y",))
    table = result.table.set_index("parameter")
    np.testing.assert_allclose(table["mu_star"], [1.0, 4.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(table["mu"], [1.0, -4.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-12)


def test_bad_sweeps_are_user_errors(ishigami_sweep):
    grid = SimpleNamespace(
        **{
            **vars(ishigami_sweep),
            "problem": None,
            "manifest": {"config": {"design": {"method": "grid"}}},
        }
    )
    with pytest.raises(UserError, match="need a sobol or morris design; .* 'grid'"):
        analyse_sweep(grid, outcomes=("y",))
    runs = ishigami_sweep.runs.copy()
    runs.loc[runs["point_id"] == 7, "status"] = "pending"
    partial = SimpleNamespace(**{**vars(ishigami_sweep), "runs": runs})
    with pytest.raises(UserError, match="every design point; 1 of 20480 .* point 7"):
        analyse_sweep(partial, outcomes=("y",))
    with pytest.raises(UserError, match="no column 'nope'"):
        analyse_sweep(ishigami_sweep, outcomes=("nope",))
