"""Issue 15 item 7, forward: in the default (behavioural) Hague scenario the threat acts on the
2035 core share and no single parameter decides it alone.

A smaller Sobol' design than ``configs/sweeps/sobol_commitments.toml`` (the same six axes and
ranges, N = 128 base samples, one replication: 1,024 runs in one batch, a few seconds); the
committed design's indices are in docs/VALIDATION.md. Before the forward runs started from the
backcast's end state (sim.core.dynamics.history) the threat sensitivity's first-order index was
0.00: the 2024 shares were rest points and the rival holds the ratio.
"""

import tomllib

import numpy as np
from SALib.sample import sobol as sobol_sample

from sim import simulate
from sim.analysis.sensitivity import sobol_indices
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.params import make_params


def committed_problem() -> tuple[dict, dict]:
    """The committed design's axes and its SALib problem (the same six axes and ranges)."""
    design = tomllib.loads((ROOT / "configs/sweeps/sobol_commitments.toml").read_text())
    axes = design["axes"]
    problem = {
        "num_vars": len(axes),
        "names": list(axes),
        "bounds": [[a["min"], a["max"]] for a in axes.values()],
    }
    return axes, problem


def test_threat_sensitivity_acts_and_no_parameter_decides_the_2035_share_alone():
    axes, problem = committed_problem()
    x = sobol_sample.sample(problem, 128, calc_second_order=False, seed=20250625)
    base = load_scenario("hague").params
    params = [make_params(dict(zip(axes, map(float, row), strict=True)), base=base) for row in x]
    traj = simulate(params, list(range(len(params))))
    y = traj.alliance[:, -1, ALLIANCE_COLUMNS.index("alliance_core_share_pct")]
    s1 = sobol_indices(problem, y, calc_second_order=False)[0]["S1"]
    # the threat acts: its first-order index well above 0.05 (the committed design: 0.39)
    assert s1["threat_sensitivity_pp"] > 0.05
    # no single parameter decides it (the bound; before commitments, pressure had 0.96)
    assert np.all(s1 < 0.8)


def test_fiscal_space_acts_on_the_2035_share():
    """Issue 15 item 7: fiscal space (the fiscal stress weight) acts, a first-order index above
    0.05. Its index is near the bar, so the design is larger than the threat's above: N =
    16,384 base samples, one replication (131,072 runs in batches of 8,192, about 40 s on one
    core). This design reads 0.057 +- 0.008 (95%); the committed design with N = 65,536 and two
    replications (1,048,576 runs, docs/VALIDATION.md) gives 0.055 +- 0.003, and with N = 2,048 it
    read 0.044 +- 0.019.
    """
    axes, problem = committed_problem()
    x = sobol_sample.sample(problem, 16_384, calc_second_order=False, seed=20250625)
    base = load_scenario("hague").params
    column = ALLIANCE_COLUMNS.index("alliance_core_share_pct")
    y = np.empty(len(x))
    for start in range(0, len(x), 8192):
        rows = x[start : start + 8192]
        params = [make_params(dict(zip(axes, map(float, r), strict=True)), base=base) for r in rows]
        traj = simulate(params, list(range(start, start + len(rows))))
        y[start : start + len(rows)] = traj.alliance[:, -1, column]
    s1 = sobol_indices(problem, y, calc_second_order=False)[0]["S1"]
    assert s1["fiscal_stress_weight"] > 0.05
    assert s1["threat_sensitivity_pp"] > 0.05 and np.all(s1 < 0.8)
