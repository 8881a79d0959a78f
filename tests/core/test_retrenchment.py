"""The hegemon's retrenchment (sim.core.dynamics.retrenchment): its pressure fades linearly and
its own share declines, from the retrenchment year; before it, nothing changes to the bit."""

import numpy as np
import pytest

from sim.core import dynamics
from sim.core.ensemble import members_of
from sim.core.params import make_params

BASE = {"start_quarter": "2025Q1", "end_quarter": "2032Q4", "noise_sd_pp": 0.0}


def run(**values):
    params = make_params({**BASE, **values})
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params])
    shocks = np.zeros((1, static.n_steps, static.members.n)), np.zeros((1, static.n_steps))
    states = [s for _, s in dynamics.trajectory(static, p, *shocks)]
    return static, states


def test_before_the_year_nothing_changes_and_after_it_the_pressure_fades_to_nothing():
    static, plain = run(hegemon_pressure=0.8, peer_conformity=0.0)
    _, retreat = run(
        hegemon_pressure=0.8,
        peer_conformity=0.0,
        hegemon_retrenchment_year=2027,
        hegemon_pressure_fade_years=2.0,
    )
    k27 = list(static.quarters).index("2027Q1")
    for a, b in zip(plain[:k27], retreat[:k27], strict=True):
        assert a.core_share_pct.tobytes() == b.core_share_pct.tobytes()
    pressure = [t.column for t in dynamics.member_terms()].index("pressure_pp")
    # two years after 2027 (the fade's length) the hegemon's weight is 0 and, with no peer
    # conformity, so is every member's pressure term
    k29 = list(static.quarters).index("2029Q1")
    assert np.all(retreat[k29 + 1].term_values[0, pressure] == 0.0)
    assert np.any(plain[k29 + 1].term_values[0, pressure] != 0.0)


def test_the_hegemon_s_desired_share_falls_at_the_stated_rate_and_its_share_follows():
    values = {
        "hegemon_pressure": 0.0,
        "peer_conformity": 0.0,
        "threat_sensitivity_pp": 0.0,
        "free_riding_strength": 0.0,  # no member reacts to the US's spending: only it moves
    }
    static, plain = run(**values)
    _, retreat = run(
        **values, hegemon_retrenchment_year=2027, hegemon_share_decline_pp_per_year=0.2
    )
    usa = static.members.iso3.index("USA")
    k27 = list(static.quarters).index("2027Q1")
    years = static.times[-1] - static.times[k27]  # 2027Q1 to 2032Q4, worked out from the calendar
    desired = [s.desired_core_share_pct[0, usa] for s in (plain[-1], retreat[-1])]
    assert desired[0] - desired[1] == pytest.approx(0.2 * years, abs=1e-12)  # exactly the rate
    # the share follows by partial adjustment: down, but by less than its desired share
    fall = plain[-1].core_share_pct[0, usa] - retreat[-1].core_share_pct[0, usa]
    assert 0.0 < fall < 0.2 * years
    others = np.arange(static.members.n) != usa
    assert np.array_equal(
        plain[-1].core_share_pct[0, others], retreat[-1].core_share_pct[0, others]
    )
