"""Nothing impossible: the invariants of sim.core.invariants hold over the whole parameter table.

A property test draws points across every numeric parameter's documented range at once (plus
the choices: anchor mode, threat signal, pledges, exemptions, behaviour tables, a threat shock,
the horizon) and asserts that no run breaks any invariant declared in ``sim.core.invariants``; the
other tests check that the declarations catch what they should and that ``simulate`` and the
Mesa model refuse bad arguments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.core.ensemble import SimulationError, simulate
from sim.core.errors import UserError
from sim.core.invariants import INVARIANTS, first_violations
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import NUMERIC, PARAM_FIELDS, Params, parse_quarter
from sim.core.resources import configs_dir

HAGUE = configs_dir() / "hague.toml"

BEHAVIOUR = {
    "region_behaviour_file": "configs/data/behaviour_by_region.csv",
    "member_behaviour_file": "configs/data/behaviour_by_member.csv",
}
"""The shipped fitted behaviour tables (configs/behaviour.toml)."""
CHOICES: dict[str, tuple[Any, ...]] = {
    **{name: f.metadata["choices"] for name, f in PARAM_FIELDS.items() if f.metadata["choices"]},
    "use_pledges": (True, False),
    "use_target_exemptions": (True, False),
    "behaviour": (False, True),
    "threat_shock_quarter": ("", "2027Q1"),
    "war_start_quarter": ("", "2022Q1", "2027Q1"),
    "ceasefire_quarter": ("", "2030Q1"),
    "end_quarter": ("2029Q4", "2035Q4", "2059Q4"),
}
"""The non-numeric dimensions drawn: each choice parameter's options, the shipped behaviour
tables or none, a threat shock inside the run or none, and horizons of 5, 11 and 35 years
(the docking configs run to 2059Q4). ``cap_shares_at_gdp`` stays on: turning it off lifts the
bounds on members' shares by design (Richardson docking only; tests/test_processes.py)."""


def point(fractions: Mapping[str, float], choices: Mapping[str, Any]) -> Params:
    """The parameters at the given fraction (0-1) of each numeric parameter's documented range.

    Cross-parameter constraints (``sim.core.params.validate``) are met by drawing the dependent
    parameter within the part of its range they allow: the full lead time from the first lead
    time up, the deadline from the start year up, the rival's defence-share ceiling from its
    initial share up.
    """
    choices = dict(choices)
    behaviour = choices.pop("behaviour", False)
    values: dict[str, Any] = {**choices, **(BEHAVIOUR if behaviour else {})}
    start = parse_quarter(values.get("start_quarter", PARAM_FIELDS["start_quarter"].default))
    floors = {
        "munitions_lead_full_quarters": "munitions_lead_first_quarters",
        "rival_munitions_lead_full_quarters": "rival_munitions_lead_first_quarters",
        "rival_defence_share_ceiling_pct": "rival_defence_share_initial_pct",
    }
    for name in NUMERIC:
        meta = PARAM_FIELDS[name].metadata
        lo, hi = meta["min"], meta["max"]
        if name in floors:
            lo = max(lo, values[floors[name]])
        if name == "target_deadline_year":
            lo = max(lo, int(start))
        u = fractions[name]
        if PARAM_FIELDS[name].type == "int":
            values[name] = min(hi, lo + math.floor(u * (hi - lo + 1)))
        else:
            values[name] = lo + u * (hi - lo)
    return Params(**values)


unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
points = st.builds(
    point,
    st.fixed_dictionaries({name: unit for name in NUMERIC}),
    st.fixed_dictionaries({name: st.sampled_from(options) for name, options in CHOICES.items()}),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(params=points, seed=st.integers(0, 2**32 - 1))
def test_no_run_breaks_an_invariant_anywhere_in_the_parameter_table(params, seed):
    traj = simulate([params], [seed], keep_members=True)
    assert traj.violations == ("",), traj.violations[0]
    # the check is the declarations' own: recomputing it from the arrays agrees
    assert first_violations(
        traj.alliance, traj.members, quarters=traj.quarters, iso3=traj.iso3
    ) == ("",)


@pytest.mark.parametrize("corner", [0.0, 1.0])
def test_no_run_breaks_an_invariant_at_the_corners_of_the_table(corner):
    # every numeric parameter at its lowest (or highest) documented value at once, for every
    # combination of the two most consequential choices
    runs = [
        point(
            dict.fromkeys(NUMERIC, corner),
            {"anchor_mode": anchor, "threat_signal": signal, "end_quarter": "2059Q4"},
        )
        for anchor in CHOICES["anchor_mode"]
        for signal in CHOICES["threat_signal"]
    ]
    for params in runs:
        traj = simulate([params], [7], keep_members=True)
        assert traj.violations == ("",), traj.violations[0]


def test_every_declared_column_is_an_output_column():
    for inv in INVARIANTS:
        names = ALLIANCE_COLUMNS if inv.table == "alliance" else MEMBER_COLUMNS
        assert set(inv.columns) <= set(names), inv
        assert inv.reason, inv


def _shipped():
    return simulate([sim.default_params()], [1], keep_members=True)


@pytest.mark.parametrize(
    ("table", "column", "value", "name"),
    [
        ("alliance", "rival_defence_share_pct", -56.0, "share of GDP"),
        ("alliance", "rival_defence_share_pct", 9880.0, "share of GDP"),
        ("alliance", "rival_gdp_usd_bn", -188.0, "GDP"),
        ("members", "core_share_pct", 200.0, "share of GDP"),
        ("members", "related_share_pct", 99.0, "core + related share of GDP"),
        ("alliance", "members_at_or_above_2pct", 33.0, "count"),
        ("alliance", "munitions_ratio", np.nan, "finite"),
        ("members", "munitions_capacity", -1e-3, "capacity"),
        ("members", "gdp_usd_bn", 0.0, "GDP"),
    ],
)
def test_a_broken_invariant_is_reported_with_its_name_column_and_quarter(
    table, column, value, name
):
    # the impossible values the tester found (issue 11: a rival GDP of -188 bn USD, a defence
    # share of -56% and 9,880%, Lithuania at 200% of GDP), and one of each other kind, planted in
    # a clean run in 2030Q1 (Lithuania for member columns)
    traj = _shipped()
    alliance, members = traj.alliance.copy(), traj.members.copy()
    k = traj.quarters.index("2030Q1")
    if table == "alliance":
        alliance[0, k, ALLIANCE_COLUMNS.index(column)] = value
    else:
        members[0, k, traj.iso3.index("LTU"), MEMBER_COLUMNS.index(column)] = value
    (message,) = first_violations(alliance, members, quarters=traj.quarters, iso3=traj.iso3)
    assert message.startswith(f"invariant '{name}' broken: ")
    assert column in message and "2030Q1" in message
    if table == "members":
        assert "LTU" in message


def test_a_shipped_run_breaks_no_invariant_and_the_sum_bound_is_checked_per_member():
    traj = _shipped()
    assert traj.violations == ("",)
    members = traj.members.copy()
    # 60% core + 50% related: each share is within [0, 100], their sum is not
    members[0, 3, 0, MEMBER_COLUMNS.index("core_share_pct")] = 60.0
    members[0, 3, 0, MEMBER_COLUMNS.index("related_share_pct")] = 50.0
    (message,) = first_violations(traj.alliance, members, quarters=traj.quarters, iso3=traj.iso3)
    assert "core_share_pct + related_share_pct = 110" in message


# --- Bad arguments are refused (issue 11, item 1) ------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (([], []), "no runs"),
        (([Params()] * 2, [1]), "2 parameter sets but 1 seeds"),
        (([{"hegemon_pressure": 0.5}], [1]), "expected a sim.Params"),
        (([Params()], [-1]), "seed -1: expected a non-negative integer"),
        (([Params()], [1.5]), "seed 1.5: expected a non-negative integer"),
        (([Params()], [True]), "seed True: expected a non-negative integer"),
        (([Params()], ["7"]), "seed '7': expected a non-negative integer"),
        (([Params()], [2**63]), f"seed {2**63}: expected an integer from 0 to {2**63 - 1}"),
        (
            ([Params(), Params(anchor_mode="fixed")], [1, 2]),
            "run 1: anchor_mode = 'fixed' but run 0 has 'calibrated'",
        ),
    ],
)
def test_simulate_refuses_bad_arguments(args, expected):
    with pytest.raises(SimulationError, match=None) as info:
        simulate(*args)
    assert isinstance(info.value, UserError)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"hegemon_pressure": 5}, "key 'hegemon_pressure' = 5: expected a value <= 1.0"),
        ({"hegemon_pressure": float("nan")}, "key 'hegemon_pressure' = nan: expected a finite"),
        ({"anchor_mode": "bogus"}, "key 'anchor_mode' = 'bogus': expected one of"),
        (
            {"munitions_lead_first_quarters": 2.5},
            "key 'munitions_lead_first_quarters' = 2.5: expected an integer",
        ),
        (
            {"munitions_lead_first_quarters": 20, "munitions_lead_full_quarters": 10},
            "expected >= munitions_lead_first_quarters (20)",
        ),
        (
            {"start_quarter": "2030Q1", "end_quarter": "2025Q1"},
            "expected a quarter after start_quarter 2030Q1",
        ),
        (
            {"rival_defence_share_initial_pct": 20.0},
            "expected >= rival_defence_share_initial_pct (20.0)",
        ),
    ],
)
def test_params_and_the_mesa_model_refuse_bad_values_with_the_same_message(values, expected):
    with pytest.raises(sim.ParamError) as direct:
        Params(**values)
    with pytest.raises(sim.ParamError) as model:
        sim.AllianceModel(scenario="hague", **values)
    assert expected in str(direct.value)
    assert str(model.value) == str(direct.value)


@pytest.mark.parametrize("seed", [-3, 1.5, True, "x"])
def test_the_mesa_model_refuses_a_bad_seed(seed):
    with pytest.raises(SimulationError, match="expected a non-negative integer"):
        sim.AllianceModel(rng=seed)


# --- A run that breaks an invariant is a failed run in a sweep (issue 11, item 3) -----------


def test_a_sweep_records_a_run_breaking_an_invariant_as_failed(tmp_path, monkeypatch):
    import dataclasses

    import sim.sweep.execution as execution
    from sim.cli import main
    from sim.core import metrics
    from sim.core.invariants import first_violations

    real = execution.simulate
    share = metrics.ALLIANCE_COLUMNS.index("rival_defence_share_pct")

    def breaking(params, seeds, **kwargs):
        """The model as it was before the rival's growth floor (issue 11): with the tester's
        strain cost of 10 the rival's defence share went past 100% of its GDP. The compiled
        equations cannot be patched, so the outputs of such runs are, from quarter 5 on."""
        traj = real(params, seeds, **kwargs)
        alliance = traj.alliance.copy()
        for j, p in enumerate(params):
            if p.rival_strain_growth_cost == 10.0:
                alliance[j, 5:, share] = 150.0
        violations = first_violations(
            alliance, traj.members, quarters=traj.quarters, iso3=traj.iso3, params=params
        )
        return dataclasses.replace(traj, alliance=alliance, violations=violations)

    monkeypatch.setattr(execution, "simulate", breaking)
    config = tmp_path / "s.toml"
    config.write_text(
        f'scenario = "{HAGUE}"\nreplications = 1\nroot_seed = 1\n'
        '[design]\nmethod = "grid"\n'
        "[axes]\nrival_strain_growth_cost = [0.5, 10.0]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    runs = sim.load_sweep(out).runs.set_index("run_id")
    assert runs.loc[0, "status"] == "ok" and runs.loc[0, "error"] == ""
    assert runs.loc[1, "status"] == "failed"
    assert runs.loc[1, "error"].startswith("invariant 'share of GDP' broken: ")
    assert "rival_defence_share_pct" in runs.loc[1, "error"]
