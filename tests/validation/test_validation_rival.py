"""The rival (issue 5, item 6; docs/THEORY.md §6 target 10).

The default rival sits at about 7% of GDP in 2024-2025, its munitions ratio starts at the
configured value, and its output never breaks its ceiling or its ramp limit (a property test
over random parameters).
"""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import dynamics
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.dynamics.rival import rival_ceiling
from sim.core.ensemble import members_of, simulate
from sim.core.metrics import ALLIANCE_COLUMNS

HAGUE = ROOT / "configs" / "hague.toml"
# docs/THEORY.md §4.1 / §6 target 10: SIPRI 7.1% (2024), 7.2% planned (2025, SIPRI total); IISS 6.7%
# (2024, seeds/rival.csv S25); SIPRI v1.2 7.5% (2025, S10). "About 7%": within [6.7, 7.5].
RIVAL_SHARE_RANGE = (6.7, 7.5)


def column(traj, name):
    return traj.alliance[:, :, ALLIANCE_COLUMNS.index(name)]


def test_default_rival_sits_at_about_seven_percent_in_2025():
    scenario = load_scenario(HAGUE)
    traj = simulate([scenario.params] * 20, list(range(20)))
    share = column(traj, "rival_defence_share_pct")
    rows = [i for i, q in enumerate(traj.quarters) if q.startswith("2025")]
    assert share[:, 0] == pytest.approx(7.1)  # 2025Q1 starts from SIPRI's 2024 value
    lo, hi = RIVAL_SHARE_RANGE
    assert lo <= share[:, rows].mean() <= hi
    assert (share[:, rows] >= lo).all() and (share[:, rows] <= hi).all()


@pytest.mark.parametrize("name", ["hague", "backcast_2014", "rival_ratio_12", "rival_ratio_3"])
def test_ratio_starts_at_the_configured_value(name):
    scenario = load_scenario(ROOT / "configs" / f"{name}.toml")
    traj = simulate([scenario.params], [scenario.seed])
    assert column(traj, "munitions_ratio")[0, 0] == pytest.approx(
        scenario.params.munitions_ratio_initial, rel=1e-12
    )


finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=60, deadline=None)
@given(
    ratio0=st.floats(0.05, 20, **finite),
    output0=st.floats(0.01, 50, **finite),
    target=st.floats(0.05, 30, **finite),
    speed=st.floats(0, 4, **finite),
    ramp=st.floats(0, 1000, **finite),
    noise=st.floats(0, 50, **finite),
    share0=st.floats(0.5, 40, **finite),
    headroom=st.floats(0, 30, **finite),
    fraction=st.one_of(st.just(0.0), st.floats(1e-6, 1, **finite)),
    growth=st.floats(-10, 10, **finite),
    strain=st.floats(0, 10, **finite),
    threshold=st.floats(0, 20, **finite),
    seed=st.integers(0, 2**31),
)
def test_rival_output_never_breaks_its_ceiling_or_ramp(
    ratio0,
    output0,
    target,
    speed,
    ramp,
    noise,
    share0,
    headroom,
    fraction,
    growth,
    strain,
    threshold,
    seed,
):
    base = load_scenario(HAGUE).params
    params = dataclasses.replace(
        base,
        munitions_ratio_initial=ratio0,
        rival_munitions_output_initial_m_per_year=output0,
        rival_target_ratio=target,
        rival_adjustment_speed_per_year=speed,
        rival_ramp_limit_pct_per_year=ramp,
        rival_noise_sd_pct=noise,
        rival_defence_share_initial_pct=share0,
        rival_defence_share_ceiling_pct=share0 + headroom,
        rival_munitions_fraction_of_defence=fraction,
        rival_gdp_growth_pct_per_year=growth,
        rival_strain_growth_cost=strain,
        rival_strain_threshold_pct=threshold,
    )
    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params])
    member_noise, rival_noise = dynamics.draw_shocks([seed], static.n_steps, members.n)
    c, s = dynamics.initial_state(static, p)
    y0 = c.rival_output_initial[0]
    tol = 1e-9
    for k in range(static.n_steps):
        new = dynamics.step(static, p, c, s, member_noise[:, k], rival_noise[:, k])
        y, y1 = s.rival_output[0], new.rival_output[0]
        ceiling = rival_ceiling(p, c, 0, new.rival_gdp_usd_bn[0])  # run 0 (compiled)
        limit = ramp / 100 * dynamics.DT * max(y, y0)
        assert y1 >= 0.0
        assert y1 <= ceiling * (1 + tol) + tol  # the war-economy ceiling holds
        assert y1 - y <= limit * (1 + tol) + tol  # the ramp limit holds going up
        cut_by_ceiling = y1 >= ceiling * (1 - tol) - tol
        assert y1 - y >= -limit * (1 + tol) - tol or cut_by_ceiling  # ...and going down
        if fraction > 0 and ceiling > 0:  # the defence share stays under its ceiling
            assert new.rival_defence_share_pct[0] <= (share0 + headroom) * (1 + tol) + tol
        s = new
