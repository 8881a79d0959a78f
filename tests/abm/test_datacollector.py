"""Mesa's DataCollector tables of the model: the agent table is the member states'.

``model.datacollector.get_agent_vars_dataframe()`` raised before (members were collected per
agent type, since the rival is an agent without their columns); it now returns the members'
table, indexed by (Step, AgentID) as Mesa indexes agent tables, while the rival's series stay
in the model table.
"""

import mesa
import pytest

import sim
from sim.abm.agents import MemberState
from sim.core.metrics import MEMBER_COLUMNS

STEPS = 4


@pytest.fixture(scope="module")
def model():
    m = sim.AllianceModel(rng=7)
    m.run_for(STEPS)
    return m


def test_the_agent_table_is_the_members(model):
    agents = model.datacollector.get_agent_vars_dataframe()
    assert agents.index.names == ["Step", "AgentID"]
    assert list(agents.columns) == ["iso3", *MEMBER_COLUMNS]
    n = len(model.member_agents)
    assert n == 32  # seeds/: NATO's 32 members
    assert len(agents) == (STEPS + 1) * n  # the initial state, then one row per member a quarter
    ids = set(agents.index.get_level_values("AgentID"))
    assert ids == {a.unique_id for a in model.member_agents}
    assert model.rival.unique_id not in ids
    same = model.datacollector.get_agenttype_vars_dataframe(MemberState)
    assert agents.equals(same)


def test_the_agent_table_holds_each_members_state(model):
    agents = model.datacollector.get_agent_vars_dataframe()
    last = agents.xs(float(STEPS), level="Step")
    for agent in model.member_agents:
        row = last.loc[agent.unique_id]
        assert row["iso3"] == agent.iso3
        assert (
            row["core_share_pct"] == agent.core_share_pct
        )  # exactly: the collected value is the model's
    # member_frame() is the same data with quarters: both read one collection
    members = model.member_frame()
    assert members["core_share_pct"].tolist() == agents["core_share_pct"].tolist()


def test_the_rivals_series_stay_in_the_model_table(model):
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == STEPS + 1
    assert table["quarter"].iloc[-1] == model.quarter
    assert table["rival_munitions_output"].iloc[-1] == model.rival.munitions_output
    assert table["rival_defence_share_pct"].iloc[-1] == model.rival.defence_share_pct


def test_batch_run_reports_one_row_per_member_and_no_rival():
    rows = mesa.batch_run(
        sim.AllianceModel,
        parameters={},
        rng=[7],
        max_steps=1,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    per_step = {}
    for row in rows:
        per_step.setdefault(row["Step"], []).append(row["iso3"])
    assert sorted(per_step) == [0, 1]
    assert all(len(v) == 32 and len(set(v)) == 32 for v in per_step.values())
