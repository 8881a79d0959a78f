"""One source of truth: the Mesa model and the batched ensemble give identical trajectories."""

import mesa
import numpy as np
import pytest

from sim import AllianceModel, default_params, simulate
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import make_params

CASES = [
    ({}, 1),
    ({"noise_sd_pp": 0.2, "hegemon_pressure": 0.9}, 7),
    (
        {
            "rival_target_ratio": 12.0,
            "munitions_lead_first_quarters": 2,
            "munitions_lead_full_quarters": 6,
            "rival_noise_sd_pct": 3.0,
        },
        11,
    ),
    (
        {
            "start_quarter": "2014Q3",
            "end_quarter": "2024Q4",
            "initial_data_year": 2014,
            "target_core_pct_gdp": 2.0,
            "target_deadline_year": 2024,
            "use_pledges": False,
            "threat_shock_quarter": "2022Q1",
            "threat_shock_size": 1.0,
            "history_config": "",  # the backcast starts from rest points
        },
        3,
    ),
    (  # the backcast with its commitment binding at the 2024 deadline (noise on)
        {
            "start_quarter": "2014Q3",
            "end_quarter": "2026Q4",
            "initial_data_year": 2014,
            "target_core_pct_gdp": 2.0,
            "target_deadline_year": 2024,
            "use_pledges": False,
            "commitment_capacity_pp": 1.0,
            "target_margin_pp": 0.05,
            "noise_sd_pp": 0.1,
            "history_config": "",
        },
        5,
    ),
]


def mesa_run(values, seed):
    model = AllianceModel(rng=seed, **values)
    while model.running:
        model.step()
    return model


@pytest.mark.parametrize(("values", "seed"), CASES)
def test_mesa_model_equals_a_batch_bit_for_bit(values, seed):
    model = mesa_run(values, seed)  # the default scenario with these overrides
    params = make_params(values, base=default_params())
    # the run sits in the middle of a batch of other parameter sets and seeds
    others = make_params({**values, "hegemon_pressure": 0.05}, base=default_params())
    traj = simulate([others, params, others], [seed + 1, seed, seed + 2], keep_members=True)
    alliance = model.alliance_frame()[list(ALLIANCE_COLUMNS)].to_numpy()
    assert np.array_equal(traj.alliance[1], alliance)
    members = model.member_frame()[list(MEMBER_COLUMNS)].to_numpy()
    assert np.array_equal(traj.members[1].reshape(-1, len(MEMBER_COLUMNS)), members)
    assert list(model.alliance_frame()["quarter"]) == list(traj.quarters)


def test_a_run_is_the_same_alone_or_in_any_batch():
    params = [make_params({"noise_sd_pp": 0.1, "hegemon_pressure": h}) for h in (0.2, 0.5, 0.8)]
    together = simulate(params, [5, 6, 7]).alliance
    for i in range(3):
        alone = simulate([params[i]], [5 + i]).alliance
        assert np.array_equal(alone[0], together[i])


def test_mesa_batch_run_works_on_the_model():
    rows = mesa.batch_run(
        AllianceModel,
        {"threat_sensitivity_pp": [1.0, 3.0]},
        rng=[1],
        max_steps=24,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 2 * 32  # two points, one row per member agent at the last collection
    shares = {r["threat_sensitivity_pp"]: r["alliance_core_share_pct"] for r in rows}
    # a higher sensitivity to the same threat, more spending after 6 years (the backcast's
    # threat is carried into the start, sim.core.dynamics.history)
    assert shares[3.0] > shares[1.0]


def test_agents_expose_state_and_decision_terms():
    model = mesa_run({"hegemon_pressure": 0.7}, 2)
    esp = next(a for a in model.member_agents if a.iso3 == "ESP")
    decision = esp.decision()
    assert set(decision) >= {"threat_pp", "pressure_pp", "free_riding_pp"}
    assert esp.core_share_pct == decision["core_share_pct"]
    assert "Spain" in esp.explain()
    assert model.rival.munitions_output > 0
    assert model.quarter == "2035Q4" and not model.running


def test_seed_as_text_is_converted_and_bad_seed_rejected():
    assert AllianceModel(rng="42").seed == 42
    with pytest.raises(ValueError, match="expected a non-negative integer"):
        AllianceModel(rng="forty-two")
