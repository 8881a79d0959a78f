"""Docking with theory: Richardson's arms race and Olson-Zeckhauser's alliance (issue 5, 1-2).

Every number asserted comes from docs/THEORY.md §6 (targets 1-5; numbers [D] there are re-derived
by sim.validation.docking's closed forms, which these tests also check) or is derived in the test.
"""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.dynamics import DT
from sim.core.ensemble import members_of, simulate
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import ParamError, make_params
from sim.validation import docking as d

CASE_I = {"a": 2.0, "b": 2.0, "m": 5.0, "n": 3.0, "g": 5.0, "h": 5.0}  # docs/THEORY.md §1.3
CASE_I_EQ = (25 / 11, 35 / 11)  # docs/THEORY.md §1.3 [D]
RUNAWAY = (0.09, 0.12, 0.15, 0.05, 0.02, 0.01)  # docs/THEORY.md §6 target 3 (a, b, m, n, g, h)/step
COLD_WAR = (0.034, 0.042, 0.050, 0.050, 0.031, 0.053)  # docs/THEORY.md §6 target 4, per year


def run(name, overrides=None, params=None):
    """Simulate a config once; return (params, x = member shares (T+1, N), y = rival output)."""
    if params is None:
        params = load_scenario(ROOT / "configs" / f"{name}.toml", overrides=overrides).params
    traj = simulate([params], [1], keep_members=True)
    x = traj.members[0, :, :, MEMBER_COLUMNS.index("core_share_pct")]
    y = traj.alliance[0, :, ALLIANCE_COLUMNS.index("rival_munitions_output")]
    return params, x, y, traj


# --- Richardson: closed forms (targets 1-4) -------------------------------------------------


def test_case_i_equilibrium_and_eigenvalues():
    assert d.richardson_equilibrium(**CASE_I) == pytest.approx(CASE_I_EQ, abs=1e-12)
    lo, hi = d.richardson_eigenvalues(*(CASE_I[k] for k in "abmn"))
    assert lo == pytest.approx(-4 - math.sqrt(5), abs=1e-9)  # target 1: -4 -+ sqrt 5
    assert hi == pytest.approx(-4 + math.sqrt(5), abs=1e-9)
    assert d.richardson_regime(2, 2, 5, 3) == "stable"  # m n = 15 > a b = 4


def test_case_i_continuous_reaches_equilibrium():
    # target 1: RK45 rtol 1e-12 from (0, 0), state at t = 50 within 1e-6 of (25/11, 35/11)
    sol = d.richardson_solve(**CASE_I, x0=0.0, y0=0.0, t_end=50.0)
    assert sol.y[:, -1] == pytest.approx(CASE_I_EQ, abs=1e-6)


@pytest.mark.parametrize(
    ("dt", "radius", "stable"),
    [
        (0.1, 0.8236, True),
        (0.25, 0.5590, True),
        (0.3, 0.8708, True),  # target 2 (0.25: derived:
        (0.35, 1.1826, False),
        (1.0, 5.2361, False),  # 1 + 0.25(-4 -+ sqrt 5))
    ],
)
def test_euler_stability_of_case_i(dt, radius, stable):
    e = d.euler_stability(2, 2, 5, 3, dt)
    assert e.spectral_radius == pytest.approx(radius, abs=1e-4)
    assert e.stable is stable
    assert e.dt_max == pytest.approx((8 - 2 * math.sqrt(5)) / 11, abs=1e-12)  # 0.320715
    # the iteration does what the classification says, from near the fixed point
    path = d.euler_path(**CASE_I, x0=CASE_I_EQ[0] + 1e-3, y0=CASE_I_EQ[1], dt=dt, steps=60)
    dist = np.hypot(path[:, 0] - CASE_I_EQ[0], path[:, 1] - CASE_I_EQ[1])
    assert (dist[-1] < 1e-6) if stable else (dist[-1] > 1.0)
    # the fixed point of the Euler map is the ODE's for every step (docs/THEORY.md §1.5)
    eq = np.array(CASE_I_EQ)
    step = eq + dt * (d.richardson_jacobian(2, 2, 5, 3) @ eq + np.array([5.0, 5.0]))
    assert step == pytest.approx(eq, abs=1e-12)


def test_runaway_teaching_model_numbers():
    # target 3: growth factor 1.0153256 (1e-6), Y/X 1.83695, X, Y after 999 updates (rel 1e-9)
    a, b, m, n, g, h = RUNAWAY
    path = d.euler_path(a, b, m, n, g, h, 15.0, 20.0, dt=1.0, steps=999)
    assert path[-1, 0] / path[-2, 0] == pytest.approx(1.0153256, abs=1e-6)
    assert path[-1, 1] / path[-1, 0] == pytest.approx(1.83695, abs=1e-5)
    assert path[-1, 0] == pytest.approx(5.032e7, rel=1e-3)  # docs/THEORY.md prints 4 digits
    assert path[-1, 1] == pytest.approx(9.244e7, rel=1e-3)
    assert d.richardson_regime(a, b, m, n) == "runaway"  # m n = 0.0075 < a b = 0.0108


def test_cold_war_fit_numbers():
    a, b, m, n, g, h = COLD_WAR  # target 4
    assert d.richardson_regime(a, b, m, n) == "stable"
    assert d.richardson_equilibrium(a, b, m, n, g, h) == pytest.approx((3.12687, 3.68657), abs=1e-5)
    assert d.richardson_eigenvalues(a, b, m, n) == pytest.approx((-0.087789, -0.012211), abs=1e-6)


# --- Richardson: the model's two-party limit ------------------------------------------------


def test_model_case_i_is_the_euler_iteration_and_converges():
    params, x, y, traj = run("richardson_case1")
    c = d.richardson_coefficients(params, members_of(params))
    assert c.exact and c.reasons == ()
    # the config is Case I with every rate x0.8 (one model year = 0.8 Case I time units)
    for key in "abmngh":
        assert getattr(c, key) == pytest.approx(0.8 * CASE_I[key], abs=1e-12)
    ref = d.euler_path(c.a, c.b, c.m, c.n, c.g, c.h, 1.0, 1.0, DT, len(y) - 1)
    assert np.abs(ref[:, 0] - x[:, 0]).max() < 1e-12
    assert np.abs(ref[:, 1] - y).max() < 1e-12
    # alliance output equals the share (the mapping's kappa = 1)
    out = traj.alliance[0, :, ALLIANCE_COLUMNS.index("alliance_munitions_output")]
    assert np.abs(out - x[:, 0]).max() < 1e-12
    assert (x[-1, 0], y[-1]) == pytest.approx(CASE_I_EQ, abs=1e-9)
    # same as Case I stepped by dt = 0.25 * 0.8 = 0.2 in its own time units
    ref_case = d.euler_path(**CASE_I, x0=1.0, y0=1.0, dt=0.2, steps=len(y) - 1)
    assert np.abs(ref_case[:, 1] - y).max() < 1e-12
    assert c.euler().stable


def test_model_runaway_docks_with_the_teaching_model():
    params, x, y, _ = run("richardson_runaway")
    c = d.richardson_coefficients(params, members_of(params))
    assert c.exact and c.regime == "runaway"
    a, b, m, n, g, h = RUNAWAY
    ref = d.euler_path(a, b, m, n, g, h, 15.0, 20.0, dt=1.0, steps=len(y) - 1)
    assert np.abs(ref[:, 0] / x[:, 0] - 1).max() < 1e-9  # one quarter = one teaching step
    assert np.abs(ref[:, 1] / y - 1).max() < 1e-9
    assert np.abs(np.diff(x[:, 0])).max() < 25.0  # the ramp limit (100 pp/yr) never bound
    # growth of the deviation from the (negative) equilibrium: the dominant eigenvalue
    xs, ys = d.richardson_equilibrium(a, b, m, n, g, h)
    assert (x[-1, 0] - xs) / (x[-2, 0] - xs) == pytest.approx(1.0153256, abs=1e-6)
    assert (y[-1] - ys) / (x[-1, 0] - xs) == pytest.approx(1.83695, abs=1e-5)


def test_model_cold_war_docks_and_its_equilibrium_is_a_rest_point(tmp_path):
    params, x, y, _ = run("richardson_coldwar")
    c = d.richardson_coefficients(params, members_of(params))
    for key, value in zip("abmngh", (0.034, 0.042, 0.05, 0.05, 0.031, 0.053), strict=True):
        assert getattr(c, key) == pytest.approx(value, abs=1e-12)
    ref = d.euler_path(c.a, c.b, c.m, c.n, c.g, c.h, 1.0, 1.0, DT, len(y) - 1)
    assert np.abs(ref[:, 0] - x[:, 0]).max() < 1e-12
    # quarterly Euler is within 2e-3 of the ODE over 1960-1990 (first-order error; derived)
    sol = d.richardson_solve(*COLD_WAR, x0=1.0, y0=1.0, t_end=len(y) / 4 - 0.25)
    assert np.abs(sol.y[:, -1] - [x[-1, 0], y[-1]]).max() < 2e-3
    # started at the equilibrium, the model stays there
    xs, ys = d.richardson_equilibrium(*COLD_WAR)
    member = tmp_path / "eq.csv"
    member.write_text(
        f"iso3,name,region,gdp_usd_bn,share_2024,exposure\nALX,One,docking,1000,{xs!r},1.0\n"
    )
    eq = dataclasses.replace(
        params,
        members_file=str(member),
        rival_munitions_output_initial_m_per_year=ys,
    )  # the alliance's output per point of share stays 1 (richardson_base.toml)
    _, x, y, _ = run(None, params=eq)
    assert np.abs(x[:, 0] - xs).max() < 1e-12 and np.abs(y - ys).max() < 1e-12


def test_unstable_step_is_flagged_unreachable_and_really_diverges(tmp_path):
    # Case I at dt = 0.35 corresponds to model rates x1.4 at dt = 0.25: m = 7/yr
    scaled = {k: v * 0.35 / DT for k, v in CASE_I.items()}
    assert not d.euler_stability(scaled["a"], scaled["b"], scaled["m"], scaled["n"]).stable
    x0, y0 = CASE_I_EQ[0] + 1e-4, CASE_I_EQ[1]  # a small perturbation of the equilibrium
    values = d.richardson_overrides(**scaled, x0=x0, y0=y0)
    base = load_scenario(ROOT / "configs" / "richardson_case1.toml").params
    with pytest.raises(ParamError, match="adjustment_speed_per_year"):
        make_params(values, base=base)  # the parameter ranges exclude it (m * dt > 1)
    # forced past validation, the model's own step is flagged and diverges at the predicted rate
    member = tmp_path / "x0.csv"
    member.write_text(
        f"iso3,name,region,gdp_usd_bn,share_2024,exposure\nALX,One,docking,1000,{x0!r},1.0\n"
    )
    forced = dataclasses.replace(base, members_file=str(member), end_quarter="2009Q4")
    for key, value in values.items():  # Params validate on construction: set the rates after
        object.__setattr__(forced, key, value)
    c = d.richardson_coefficients(forced, members_of(forced))
    assert c.exact and c.regime == "stable" and not c.euler().stable
    assert any("UNSTABLE" in line for line in d.stability_report(forced, members_of(forced)))
    _, x, y, _ = run(None, params=forced)
    ref = d.euler_path(*(scaled[k] for k in "abmngh"), x0=x0, y0=y0, dt=DT, steps=len(y) - 1)
    assert np.abs(ref[:, 0] - x[:, 0]).max() < 1e-9 and np.abs(ref[:, 1] - y).max() < 1e-9
    dist = np.hypot(x[:, 0] - CASE_I_EQ[0], y - CASE_I_EQ[1])
    assert dist[-1] / dist[-11] == pytest.approx(1.1826**10, rel=0.05)  # target 2: 1.1826
    assert dist[-1] > 100 * dist[0]


@settings(max_examples=200, deadline=None)
@given(m=st.floats(0.01, 4.0), n=st.floats(0.01, 4.0), ratio=st.floats(0.0, 0.999))
def test_inside_the_ranges_a_stable_ode_gives_a_stable_quarterly_step(m, n, ratio):
    # derived in sim.validation.docking: with m dt <= 1 and n dt <= 1, m n > a b implies Jury at dt
    # = 0.25
    ab = ratio * m * n
    e = d.euler_stability(math.sqrt(ab), math.sqrt(ab), m, n, DT)
    assert e.stable


def test_validate_reports_the_richardson_limit(capsys):
    from sim.cli import main

    assert main(["validate", str(ROOT / "configs" / "richardson_case1.toml")]) == 0
    out = capsys.readouterr().out
    assert "Richardson limit" in out and "stable" in out and "Euler step dt = 0.25" in out


# --- Olson-Zeckhauser (target 5) ------------------------------------------------------------

INCOMES = np.array([10.0, 5.0, 3.0, 2.0, 1.0])


def test_oz_closed_form_and_best_response_iterations():
    q, total = d.oz_nash(INCOMES, 0.6)
    assert q == pytest.approx([40 / 7, 5 / 7, 0, 0, 0], abs=1e-12)
    assert total == pytest.approx(45 / 7, abs=1e-12)
    assert q / INCOMES == pytest.approx([0.5714, 0.1429, 0, 0, 0], abs=1e-4)
    from scipy.stats import spearmanr

    assert spearmanr(INCOMES, q / INCOMES).statistic == pytest.approx(0.894, abs=1e-3)
    assert d.oz_iterate(INCOMES, 0.6, 100)[-1] == pytest.approx(q, abs=1e-12)  # Gauss-Seidel
    assert d.oz_iterate(INCOMES, 0.6, 200, gauss_seidel=False, damping=0.5)[-1] == pytest.approx(
        q, abs=1e-12
    )
    q3, _ = d.oz_nash(INCOMES, 0.3)
    assert q3 == pytest.approx([3, 0, 0, 0, 0], abs=1e-12)  # only the largest contributes


def test_model_public_good_limit_converges_to_the_nash_equilibrium():
    params, x, _, _ = run("oz_nash")
    q = x[-1] / 100 * INCOMES
    assert np.abs(q - np.array([40 / 7, 5 / 7, 0, 0, 0])).max() < 1e-9  # target 5
    assert abs(q.sum() - 45 / 7) < 1e-9
    _, x, _, _ = run("oz_nash", {"free_riding_strength": 0.7})  # beta = 0.3
    assert np.abs(x[-1] / 100 * INCOMES - np.array([3, 0, 0, 0, 0])).max() < 1e-9


def test_model_reaction_slope_is_minus_one_minus_beta():
    from sim.core import dynamics

    params = load_scenario(ROOT / "configs" / "oz_nash.toml").params
    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params, params])
    constants, state = dynamics.initial_state(static, p)
    q_star = np.array([40 / 7, 5 / 7, 0, 0, 0])
    share = np.tile(100 * q_star / INCOMES, (2, 1))
    eps = 0.1  # raise ally 3's spending by 0.1 in run 1: allies of ally 1 spend 0.1 more
    share[1, 2] += 100 * eps / INCOMES[2]
    state = state._replace(core_share_pct=share)
    zeros = np.zeros((2, members.n))
    new = dynamics.step(static, p, constants, state, zeros, np.zeros(2))
    desired = new.desired_core_share_pct / 100 * INCOMES  # desired spending
    slope = (desired[1, 0] - desired[0, 0]) / eps
    assert slope == pytest.approx(-(1 - 0.6), abs=1e-12)  # -(1 - beta), docs/THEORY.md §2.1
