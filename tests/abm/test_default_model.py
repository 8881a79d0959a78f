"""One default model: the Python API and the command line run the same default scenario.

``sim run`` with no config runs the default scenario (``hague``: the Hague path with the
behaviour fitted to 2014-2024, seed 20250625). ``sim.AllianceModel()``,
``sim.simulate([sim.default_params()], ...)`` and ``mesa.batch_run(sim.AllianceModel, ...)``
must give the same trajectories, number for number.
"""

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.params import ParamError


@pytest.fixture(scope="module")
def cli_alliance(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "default"
    assert main(["run", "--out", str(out)]) == 0  # no config: the default scenario
    return pd.read_parquet(out / "alliance.parquet")


def test_the_default_scenario_is_hague_with_the_fitted_behaviour():
    scenario = sim.load_scenario(sim.DEFAULT_SCENARIO)
    assert scenario.name == "hague" and scenario.seed == 20250625
    assert sim.default_params() == scenario.params
    # the fitted values differ from the table's priors: Params() is NOT the default scenario
    assert scenario.params.member_behaviour_file and not sim.Params().member_behaviour_file
    assert scenario.params != sim.Params()


def test_bare_mesa_model_equals_the_command_line(cli_alliance):
    model = sim.AllianceModel()
    assert model.seed == 20250625 and model.scenario_name == "hague"
    model.run_for(200)  # stops by itself at the end quarter
    frame = model.alliance_frame()
    assert list(frame["quarter"]) == list(cli_alliance["quarter"])
    assert np.array_equal(
        frame[list(ALLIANCE_COLUMNS)].to_numpy(), cli_alliance[list(ALLIANCE_COLUMNS)].to_numpy()
    )


def test_simulate_with_default_params_equals_the_command_line(cli_alliance):
    scenario = sim.load_scenario("hague")
    traj = sim.simulate([sim.default_params()], [scenario.seed])
    assert np.array_equal(traj.alliance[0], cli_alliance[list(ALLIANCE_COLUMNS)].to_numpy())


def test_mesa_batch_run_without_overrides_equals_the_command_line(cli_alliance):
    rows = mesa.batch_run(
        sim.AllianceModel,
        {},
        rng=[20250625],
        max_steps=1000,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    last = cli_alliance.iloc[-1]
    final = [r for r in rows if r["Step"] == rows[-1]["Step"]]
    assert final and all(
        r["alliance_core_share_pct"] == last["alliance_core_share_pct"] for r in final
    )
    assert final[0]["quarter"] == last["quarter"] == "2035Q4"


def test_overrides_apply_on_top_of_the_default_scenario():
    model = sim.AllianceModel(rng=3, hegemon_pressure=0.9)
    fitted = sim.default_params()
    assert model.params.hegemon_pressure == 0.9
    assert model.params.threat_sensitivity_pp == fitted.threat_sensitivity_pp  # kept
    other = sim.AllianceModel(scenario="status_quo_2pct", rng=3)
    assert other.params.target_core_pct_gdp == 2.0 and other.scenario_name == "status_quo_2pct"


@pytest.mark.parametrize(
    ("key", "value", "toml", "message"),
    [
        ("hegemon_pressure", 5, "5", "key 'hegemon_pressure' = 5: expected a value <= 1.0"),
        (
            "adjustment_speed_per_year",
            -3,
            "-3",
            "key 'adjustment_speed_per_year' = -3: expected a value >= 0.0",
        ),
        ("hegemon_pressure", float("nan"), "nan", "expected a finite number"),
        ("anchor_mode", "bogus", '"bogus"', "expected one of calibrated, public_good, fixed"),
        ("munitions_lead_first_quarters", 4.5, "4.5", "expected an integer"),
        ("munitions_lead_first_quarters", 20, "20", "expected >= munitions_lead_first_quarters"),
        ("end_quarter", "2024Q4", '"2024Q4"', "a quarter after start_quarter"),
        ("use_pledges", 1, "1", "expected true or false"),
    ],
)
def test_params_validate_on_construction_like_a_config(key, value, toml, message, tmp_path, capsys):
    with pytest.raises(ParamError) as err:
        sim.Params(**{key: value})
    assert message in str(err.value)
    with pytest.raises(ParamError) as err:
        sim.AllianceModel(**{key: value})
    assert message.split(": ", 1)[-1] in str(err.value)
    # a config with the same value is refused with the same words after its file and key
    config = tmp_path / "bad.toml"
    config.write_text(f'inherits = "hague.toml"\n[params]\n{key} = {toml}\n')
    assert main(["validate", str(config)]) == 2
    assert message.split(": ", 1)[-1] in capsys.readouterr().err


def test_params_store_numbers_as_the_fields_type():
    p = sim.Params(hegemon_pressure=1, munitions_lead_first_quarters=np.int64(4))
    assert type(p.hegemon_pressure) is float and type(p.munitions_lead_first_quarters) is int
