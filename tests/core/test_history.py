"""Forward runs that start where the record ends (sim.core.dynamics.history, issue 15 item 4).

The backcast runs first with the scenario's behaviour and no shocks; the scenario starts from the
record's shares, the backcast's anchors (plus what free riding had taken by its end) and its
perceived threat. Each number asserted here is derived in the test from a second run of the
backcast or from the equations' own definitions.
"""

import numpy as np
import pytest

from sim.core import dynamics
from sim.core.config import ConfigError, load_scenario
from sim.core.dynamics.history import BEHAVIOUR, HistoryError, backcast_arrays, history_params
from sim.core.dynamics.step import _mixers, distinct_runs
from sim.core.ensemble import members_of, simulate
from sim.core.params import make_params

HISTORY = "configs/backcast_2014.toml"


def forward(**values):
    """The Hague scenario with the history, short, without shocks."""
    over = {"end_quarter": "2027Q4", "noise_sd_pp": 0.0, **values}
    return load_scenario("hague", overrides=over).params


def start(params, p=None):
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params]) if p is None else p
    return static, *dynamics.initial_state(static, p)


def backcast_end(params):
    """The backcast run on its own, as the history runs it: the scenario's behaviour, no shocks."""
    past = history_params(params)
    static = dynamics.build_static(past, members_of(past))
    p = dynamics.param_arrays([past])
    shocks = np.zeros((1, static.n_steps, static.members.n)), np.zeros((1, static.n_steps))
    *_, (constants, end) = dynamics.trajectory(static, p, *shocks)
    return static, constants, end


def test_the_forward_scenarios_start_from_the_backcast_and_the_backcast_from_rest_points():
    assert load_scenario("hague").params.history_config == HISTORY
    assert load_scenario("pledges_kept").params.history_config == HISTORY
    backcast = load_scenario("backcast_2014").params
    assert backcast.history_config == ""
    static, _, state = start(make_params({"noise_sd_pp": 0.0}, base=backcast))
    assert static.history is None
    # rest points: every member wants exactly the share it has
    assert np.array_equal(state.desired_core_share_pct, state.core_share_pct)


def test_the_start_carries_the_backcast_s_threat_and_anchors():
    params = forward()
    static, constants, state = start(params)
    _, past_constants, end = backcast_end(params)
    # the shares are the record's 2024 ones (the scenario's initial data), not the backcast's
    assert np.array_equal(state.core_share_pct[0], static.members.core_share_pct)
    # the perceived threat is the backcast's at 2024Q4, to the bit
    assert np.array_equal(state.threat, end.threat)
    # the anchor is the backcast's minus what free riding (sign -1, 0 at a start) had taken
    names = [t.name for t in dynamics.member_terms()]
    free = end.term_values[:, names.index("free_riding")]
    assert np.allclose(constants.anchor_pct, past_constants.anchor_pct - free, atol=1e-12)
    # the carried threat keeps the signal where the backcast left it: carried + exposure x the
    # scenario's own level at the start (the log of the carried ratio over the reference) = the
    # threat
    ratio = state.rival_output / state.alliance_output
    level = np.maximum(0.0, np.log(ratio / params.threat_reference_ratio))[:, None]
    assert np.allclose(
        constants.threat_carried + static.members.exposure * level, end.threat, atol=1e-12
    )


def test_the_start_carries_the_backcast_s_factories_and_stocks():
    """Issue 16: the rival's output, capacity and stock, the allies' stock and each member's
    capacity are where the backcast left them; the rival's budget is the scenario's own."""
    params = forward()
    _, _, state = start(params)
    _, _, end = backcast_end(params)
    for name in ("rival_output", "rival_capacity", "rival_stock", "alliance_stock"):
        assert np.array_equal(getattr(state, name), getattr(end, name)), name
    assert np.array_equal(state.munitions_capacity, end.munitions_capacity)
    assert np.array_equal(state.rival_committed, end.rival_capacity)
    # a member produces the lesser of its carried capacity and what its spending funds
    assert np.all(state.munitions_output <= state.munitions_capacity)
    assert state.rival_defence_share_pct[0] == params.rival_defence_share_initial_pct
    assert state.rival_reserves_usd_bn[0] == params.rival_reserves_initial_usd_bn


def test_a_war_that_stops_at_the_start_takes_the_threat_to_zero_not_below():
    # With the history every member's carried threat is negative here (the backcast's smoothed
    # threat lags its rising signal). A ceasefire in the first quarter takes the rival's output
    # from nine times the allies' to below parity, the threat's reference ratio, by 2029: the
    # scenario's signal falls to zero and exposure x level + carried below it. The perceived
    # threat stops at zero (perceive_threat), so the threat invariant holds; every run broke it
    # at 2027Q2 before (sim.core.invariants)
    params = forward(ceasefire_quarter="2025Q1", end_quarter="2029Q4")
    static, constants, _ = start(params)
    assert (constants.threat_carried < 0).all()
    p = dynamics.param_arrays([params])
    shocks = np.zeros((1, static.n_steps, static.members.n)), np.zeros((1, static.n_steps))
    states = [s for _, s in dynamics.trajectory(static, p, *shocks)]
    end = states[-1]
    assert end.rival_output[0] < params.threat_reference_ratio * end.alliance_output[0]
    threat = np.array([s.threat[0] for s in states])
    assert threat.min() == 0.0  # reached, never passed
    assert (threat[-1] == 0.0).all()
    noisy = load_scenario("hague", overrides={"ceasefire_quarter": "2025Q1"}).params
    assert not any(simulate([noisy] * 8, list(range(8))).violations)


def test_the_shares_are_not_rest_points_and_the_gap_is_the_anchor_s():
    params = forward()
    _, constants, state = start(params)
    terms = dynamics.member_terms()
    assert [t.name for t in terms if t.anchored] == ["threat"]  # the one term in force at a start
    threat = state.term_values[:, [t.name for t in terms].index("threat")]
    # at the start the desired share is the carried anchor plus the threat term (the others are
    # 0 at a start: free riding relative to it, the pull not yet felt)
    expected = constants.anchor_pct + threat
    assert np.allclose(state.desired_core_share_pct, expected, atol=1e-12)
    gap = state.desired_core_share_pct - state.core_share_pct
    assert np.abs(gap).max() > 0.1  # not rest points: some member is 0.1 pp or more from rest


def test_the_threat_sensitivity_acts_at_the_start_with_the_history_and_not_without():
    def desired(sensitivity, history):
        params = forward(threat_sensitivity_pp=sensitivity, history_config=history)
        return start(params)[2].desired_core_share_pct[0]

    # without a history the initial shares are rest points whatever the sensitivity
    assert np.array_equal(desired(1.0, ""), desired(3.0, ""))
    # with it, a higher sensitivity makes the armed members want more: the backcast's threat
    # rose from nothing (2014, the reference ratio) to the fitted shocks, and is carried
    low, high = desired(1.0, HISTORY), desired(3.0, HISTORY)
    armed = np.asarray(members_of(forward()).armed, dtype=bool)
    assert np.all(high[armed] > low[armed])
    assert np.array_equal(high[~armed], low[~armed])


def test_each_run_s_behaviour_reaches_its_own_backcast_whatever_the_batch():
    runs = [forward(threat_sensitivity_pp=s) for s in (1.0, 2.5)]
    static = dynamics.build_static(runs[0], members_of(runs[0]))
    batch = dynamics.initial_state(static, dynamics.param_arrays(runs))[1]
    for r, params in enumerate(runs):
        alone = start(params)[2]
        assert batch.desired_core_share_pct[r].tobytes() == alone.desired_core_share_pct.tobytes()
        assert batch.threat[r].tobytes() == alone.threat.tobytes()


def test_the_ensemble_and_the_step_by_step_path_agree_to_the_bit_with_a_history():
    params = forward(noise_sd_pp=0.03)
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params])
    member, rival = dynamics.draw_shocks([7], static.n_steps, static.members.n)
    *_, (_, last) = dynamics.trajectory(static, p, member, rival)
    _, _, core = dynamics.run_batch(
        static, p, member, rival, n_alliance=1, keep_alliance=False, keep_core=True
    )
    assert core[0, -1].tobytes() == last.core_share_pct[0].tobytes()


def test_the_behavioural_parameters_are_the_scenario_s_the_rest_the_backcast_s():
    params = forward(threat_sensitivity_pp=1.7, target_core_pct_gdp=3.0)
    past = history_params(params)
    assert past.threat_sensitivity_pp == 1.7  # behaviour: the scenario's
    assert past.target_core_pct_gdp == 2.0  # the world: the backcast's (Wales)
    assert past.start_quarter == "2014Q3"
    for name in BEHAVIOUR:
        assert getattr(past, name) == getattr(params, name)


def test_a_history_that_does_not_end_before_the_start_is_refused_with_the_key():
    over = {"start_quarter": "2026Q1", "end_quarter": "2027Q4"}
    with pytest.raises(
        ConfigError, match=r"hague.toml: key 'params.history_config'.*ends in 2024Q4"
    ):
        load_scenario("hague", overrides=over)
    params = make_params(over, base=load_scenario("hague").params)  # past the config reader
    with pytest.raises(HistoryError, match="quarter before start_quarter 2026Q1"):
        dynamics.build_static(params, members_of(params))


def test_a_history_with_a_history_of_its_own_is_refused(tmp_path):
    backcast = load_scenario("backcast_2014").path
    before = tmp_path / "before.toml"  # a valid backcast of the quarters before the backcast
    before.write_text(
        f'inherits = "{backcast}"\n[params]\nstart_quarter = "2013Q1"\nend_quarter = "2014Q2"\n'
    )
    nested = tmp_path / "nested.toml"
    nested.write_text(f'inherits = "{backcast}"\n[params]\nhistory_config = "{before}"\n')
    assert load_scenario(nested).params.history_config == str(before)  # valid on its own
    with pytest.raises(ConfigError, match="no history_config of its own"):
        load_scenario("hague", overrides={"history_config": str(nested)})


def test_a_missing_history_config_names_the_file_and_key(tmp_path):
    config = tmp_path / "forward.toml"
    missing = tmp_path / "none.toml"
    config.write_text(
        f'inherits = "{load_scenario("hague").path}"\n[params]\nhistory_config = "{missing}"\n'
    )
    with pytest.raises(ConfigError, match=r"forward.toml: key 'params.history_config'.*readable"):
        load_scenario(config)


def test_the_behaviour_the_backcast_takes_is_what_the_calibration_fits():
    # one list of behavioural parameters: the calibration's pooled values less the backcast-only
    # ones (the Crimea start shock), and its two multiplier tables
    from sim.validation.result import BACKCAST_ONLY
    from sim.validation.search_space import POOLED

    fitted = {name for name, _, _ in POOLED} - set(BACKCAST_ONLY)
    assert set(BEHAVIOUR) == fitted | {"region_behaviour_file", "member_behaviour_file"}


def test_replications_share_one_backcast_and_start_as_each_run_alone_to_the_bit():
    # five runs, two distinct behaviours, each repeated: the backcast runs twice, and every
    # run starts where it starts alone (sim.core.dynamics.step.distinct_runs)
    a, b = forward(threat_sensitivity_pp=1.0), forward(threat_sensitivity_pp=2.5)
    runs = [a, b, a, a, b]
    static = dynamics.build_static(a, members_of(a))
    p = dynamics.param_arrays(runs)
    first, which = distinct_runs(backcast_arrays(static.history, p), None)
    assert first.tolist() == [0, 1] and which.tolist() == [0, 1, 0, 0, 1]
    batch = dynamics.initial_state(static, p)[1]
    for r, params in enumerate(runs):
        alone = start(params)[2]
        assert batch.desired_core_share_pct[r].tobytes() == alone.desired_core_share_pct.tobytes()
        assert batch.threat[r].tobytes() == alone.threat.tobytes()
        assert batch.rival_stock[r].tobytes() == alone.rival_stock.tobytes()


def test_runs_differing_only_in_their_responses_get_their_own_backcasts():
    params = forward()
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params] * 3)
    n = static.members.n
    responses = np.ones((3, 2, n))
    responses[1, :, 0] = 1.5  # the second run's first member responds half as much again
    first, which = distinct_runs(backcast_arrays(static.history, p), responses)
    assert first.tolist() == [0, 1] and which.tolist() == [0, 1, 0]
    batch = dynamics.initial_state(static, p, responses)[1]
    for r in range(3):
        alone = dynamics.initial_state(static, p[r : r + 1], responses[r : r + 1])[1]
        for field in ("desired_core_share_pct", "munitions_capacity", "term_values"):
            assert getattr(batch, field)[r].tobytes() == getattr(alone, field)[0].tobytes()
    # its own backcast ends elsewhere: its anchor, hence its desired share, differs
    assert batch.desired_core_share_pct[1, 0] != batch.desired_core_share_pct[0, 0]
    assert np.array_equal(batch.desired_core_share_pct[0], batch.desired_core_share_pct[2])


def test_backcasts_are_told_apart_by_their_bits_even_when_their_hashes_collide():
    # distinct_runs hashes a row's 64-bit words w as sum(w_j * m_j) mod 2**64; adding m_1 to the
    # first word and subtracting m_0 from the second leaves that sum unchanged
    m0, m1 = (int(m) for m in _mixers(2))
    words = np.array([[5, 7], [(5 + m1) % 2**64, (7 - m0) % 2**64], [5, 7]], dtype=np.uint64)
    rows = words.view(np.float64)
    first, which = distinct_runs(rows, None)
    assert first.tolist() == [0, 1] and which.tolist() == [0, 1, 0]
    # and a signed zero is a different backcast from zero: bits, not values, are compared
    first, which = distinct_runs(np.array([[0.0], [-0.0], [0.0]]), None)
    assert first.tolist() == [0, 1] and which.tolist() == [0, 1, 0]
