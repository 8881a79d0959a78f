"""Regime labels on constructed trajectories, their boundaries, and the Richardson margin.

Trajectories are built directly as (R, T, K) arrays in ``ALLIANCE_COLUMNS`` order, with outputs
growing at chosen annual rates over the classification window (eight quarters), so that every
expected label follows from the rules in ``sim/core/regimes.py`` by arithmetic.
"""

import dataclasses

import numpy as np
import pytest

from sim import simulate
from sim.core.ensemble import members_of
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.params import Params
from sim.core.regimes import (
    CEILING_TOLERANCE_PP,
    GROWTH_THRESHOLD,
    REGIMES,
    SETTLED_THRESHOLD,
    annual_growth,
    classify,
    linear_gain,
    richardson_applies,
    richardson_margin,
)

T = 12  # quarters; the window is the last 8
CEILING, TARGET_RATIO, TARGET_CORE = 10.0, 4.0, 3.5


def trajectory(
    alliance_growth=0.0,
    rival_growth=None,
    *,
    rival_share=7.0,
    share_start=3.0,
    share_end=3.0,
    ratio_end=None,
    headroom=1.0,
):
    """One run (T, K): outputs growing at annual rates; the ratio follows from the two outputs.

    The rival's growth defaults to the alliance's (ratio steady at ``ratio_end`` or 4).
    """
    rival_growth = alliance_growth if rival_growth is None else rival_growth
    quarters = np.arange(T) - (T - 1)  # 0 at the last quarter
    alliance = 1.0 * (1 + alliance_growth) ** (quarters / 4)
    ratio0 = TARGET_RATIO if ratio_end is None else ratio_end
    rival = ratio0 * (1 + rival_growth) ** (quarters / 4)
    out = np.zeros((T, len(ALLIANCE_COLUMNS)))
    col = ALLIANCE_COLUMNS.index
    out[:, col("alliance_munitions_output")] = alliance
    out[:, col("rival_munitions_output")] = rival
    out[:, col("munitions_ratio")] = rival / alliance
    out[:, col("alliance_core_share_pct")] = np.linspace(share_start, share_end, T)
    out[:, col("rival_defence_share_pct")] = rival_share
    out[:, col("rival_budget_headroom_pct")] = headroom
    return out


def label(*runs):
    alliance = np.stack(runs)
    n = len(runs)
    return list(classify(alliance, np.full(n, TARGET_CORE)))


def test_growth_is_annualised_over_the_window():
    # 10% a year compounded quarterly over 8 quarters -> exactly 10% a year back
    run = trajectory(0.10)[None]
    growth = annual_growth(run[:, :, ALLIANCE_COLUMNS.index("alliance_munitions_output")])
    assert growth[0] == pytest.approx(0.10, rel=1e-12)


def test_every_label_on_a_constructed_trajectory():
    runs = {
        # nothing left to pay for more (at its ceiling, or out of reserves and borrowing)
        "rival_exhausted": trajectory(0.03, 0.0, rival_share=CEILING, ratio_end=2.0, headroom=0.0),
        # both outputs +8%/yr > 5%
        "escalates": trajectory(0.08),
        # share 3.0 -> 2.8 over 12 quarters: -0.133 pp over the last 8 (> 0.05), below 3.5
        "alliance_fatigue": trajectory(0.0, share_start=3.0, share_end=2.8),
        # both outputs +1%/yr (< 2%), ratio steady
        "settles": trajectory(0.01),
        # both outputs +3%/yr (2%..5%), ratio steady
        "builds_up": trajectory(0.03),
        # alliance +3%/yr, rival flat: ratio falls ~2.9%/yr (> 2%), nothing else holds
        "drifts": trajectory(0.03, 0.0),
    }
    assert set(runs) == set(REGIMES)
    assert label(*runs.values()) == list(runs)


@pytest.mark.parametrize(
    ("growth", "expected"),
    [
        (GROWTH_THRESHOLD + 1e-3, "escalates"),
        (GROWTH_THRESHOLD - 1e-3, "builds_up"),
        (SETTLED_THRESHOLD + 1e-3, "builds_up"),
        (SETTLED_THRESHOLD - 1e-3, "settles"),
        (-SETTLED_THRESHOLD + 1e-3, "settles"),
        (-SETTLED_THRESHOLD - 1e-3, "drifts"),  # both shrinking >2%/yr: no rule but the last
    ],
)
def test_growth_thresholds(growth, expected):
    assert label(trajectory(growth)) == [expected]


def test_escalation_needs_both_sides():
    # the alliance alone grows 8%/yr (rival flat): the ratio falls, it drifts
    assert label(trajectory(0.08, 0.0)) == ["drifts"]
    # the rival alone grows 8%/yr: ratio rises ~8%/yr, it drifts
    assert label(trajectory(0.0, 0.08)) == ["drifts"]


def test_exhaustion_boundaries():
    # what the rival could still pay for (% of GDP) at the end: within 0.05 (inclusive) of nothing
    assert label(trajectory(0.0, headroom=CEILING_TOLERANCE_PP)) == ["rival_exhausted"]
    assert label(trajectory(0.0, headroom=CEILING_TOLERANCE_PP + 1e-6)) == ["settles"]
    # exhaustion is checked first: it wins over escalation
    assert label(trajectory(0.08, headroom=0.0)) == ["rival_exhausted"]


def test_fatigue_boundaries():
    # the drop over the window is (share_start - share_end) * 8 / 11 for a linear path of 12
    drop_of = 0.05 * 11 / 8
    assert label(trajectory(share_start=3.0, share_end=3.0 - drop_of * 1.01)) == [
        "alliance_fatigue"
    ]
    assert label(trajectory(share_start=3.0, share_end=3.0 - drop_of * 0.99)) == ["settles"]
    # above the core target a falling share is no fatigue
    assert label(trajectory(share_start=4.5, share_end=4.0)) == ["settles"]


def test_short_and_degenerate_series():
    # two quarters: the window shrinks to one quarter (annualised), no index error
    short = trajectory(0.01)[-2:]
    assert classify(short[None], [TARGET_CORE])[0] == "settles"
    # zero outputs throughout: growth 0, ratio 0 -> settles (nothing moves)
    zero = trajectory(0.0)
    zero[:, ALLIANCE_COLUMNS.index("alliance_munitions_output")] = 0.0
    zero[:, ALLIANCE_COLUMNS.index("rival_munitions_output")] = 0.0
    zero[:, ALLIANCE_COLUMNS.index("munitions_ratio")] = 0.0
    assert label(zero) == ["settles"]


def test_richardson_margin_two_party_limit():
    # docs/THEORY.md §1.3: stable iff m*n > a*b; here (guidance) ratio * sensitivity = 1 is the line
    base = {"adjustment_speed_per_year": 0.6, "rival_adjustment_speed_per_year": 1.0}
    ratio = np.array([0.5, 2.0, 4.0])
    margin = richardson_margin(
        {**base, "rival_target_ratio": ratio, "threat_sensitivity_pp": 1 / ratio}
    )
    np.testing.assert_allclose(margin, 0.0, atol=1e-15)
    assert richardson_margin({**base, "rival_target_ratio": 2.0, "threat_sensitivity_pp": 0.4}) > 0
    assert richardson_margin({**base, "rival_target_ratio": 2.0, "threat_sensitivity_pp": 0.6}) < 0
    # trincoll Case I in Richardson's letters (docs/THEORY.md §1.3: m=5, n=3, a=b=2 -> det 11)
    case_one = richardson_margin(
        {
            "adjustment_speed_per_year": 5.0,
            "rival_adjustment_speed_per_year": 3.0,
            "threat_sensitivity_pp": 2 / 5,
            "rival_target_ratio": 2 / 3,
        }
    )
    assert case_one == pytest.approx(5 * 3 - 2 * 2)
    assert richardson_applies("rival_output") and not richardson_applies("log_ratio")


def test_richardson_boundary_separates_simulated_regimes():
    """Far on each side of the linearised boundary the full model settles or runs away.

    Linear threat, no ceiling or strain (so the rival cannot be exhausted), no pressure, no
    noise; ten years after 2035 the last two years are classified. kappa is computed from the
    data as the report does.
    """
    base = dataclasses.replace(
        Params(),
        threat_signal="rival_output",
        hegemon_pressure=0.0,
        peer_conformity=0.0,
        rival_defence_share_ceiling_pct=100.0,
        rival_strain_growth_cost=0.0,
        noise_sd_pp=0.0,
        end_quarter="2045Q4",
    )
    members = members_of(base)
    weight = members.gdp_usd_bn * members.armed * members.threat_response
    exposure = float((members.exposure * weight).sum() / members.gdp_usd_bn.sum())
    first = simulate([base], [1]).alliance[0, 0]
    kappa = linear_gain(
        first[ALLIANCE_COLUMNS.index("alliance_munitions_output")],
        first[ALLIANCE_COLUMNS.index("alliance_core_share_pct")],
        exposure,
    )
    cases = [(2.0, 0.5), (4.0, 0.5), (12.0, 3.0), (16.0, 2.0)]
    params = [
        dataclasses.replace(base, rival_target_ratio=r, threat_sensitivity_pp=s) for r, s in cases
    ]
    margin = richardson_margin(
        {
            k: np.array([getattr(p, k) for p in params])
            for k in (
                "adjustment_speed_per_year",
                "rival_adjustment_speed_per_year",
                "rival_target_ratio",
                "threat_sensitivity_pp",
                "free_riding_strength",
            )
        },
        kappa,
    )
    assert list(margin > 0) == [True, True, False, False]
    traj = simulate(params, [1] * len(params))
    labels = classify(traj.alliance, [3.5] * 4)
    assert [lab == "escalates" for lab in labels] == [False, False, True, True]
