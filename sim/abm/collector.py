"""The Mesa model's data collector: the alliance metrics per quarter and each member's state.

This module owns what :class:`sim.abm.model.AllianceModel` records at every step, through Mesa's
own :class:`mesa.DataCollector`:

- model reporters: ``quarter`` and every alliance metric (``sim.core.metrics.ALLIANCE_COLUMNS``;
  the rival's series among them: ``rival_munitions_output``, ``munitions_ratio``,
  ``rival_defence_share_pct``, ...), read with ``get_model_vars_dataframe()``;
- agent-type reporters for the member states (:class:`sim.abm.agents.MemberState`): ``iso3`` and
  every member metric (``MEMBER_COLUMNS``), read with ``get_agent_vars_dataframe()`` or
  ``get_agenttype_vars_dataframe(MemberState)``, indexed by ``Step`` and ``AgentID`` as Mesa
  indexes its agent tables.

The rival is an agent too, but has none of the members' columns: Mesa's plain
``agent_reporters`` would ask every agent, the rival included, for them. The members are
therefore collected per agent type, and :class:`AllianceDataCollector` answers
``get_agent_vars_dataframe()`` with that table (Mesa's own method raises when no
``agent_reporters`` are defined). What is collected, and when, is unchanged by this: the Mesa
model stays bit-identical to the ensemble (``tests/abm/test_equivalence.py``) and
``mesa.batch_run`` reports the members from the agent-type records as before.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import mesa
import pandas as pd

from sim.abm.agents import MemberState
from sim.core import metrics

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel


def _metric(model: AllianceModel, column: str) -> float:
    """Model reporter reading one alliance metric (used through a picklable partial)."""
    return model.alliance_values[column]


class AllianceDataCollector(mesa.DataCollector):
    """Mesa's DataCollector whose agent table is the member states' (the rival has none).

    Build it with :func:`make_collector`. ``get_model_vars_dataframe()`` is Mesa's: one row per
    quarter (the first the initial state) with ``quarter`` and the alliance metrics.
    """

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """The member states' variables: one row per member per quarter collected.

        The index is (``Step``, ``AgentID``), as Mesa's agent tables; the columns ``iso3`` and
        ``sim.core.metrics.MEMBER_COLUMNS``. The same table as
        ``get_agenttype_vars_dataframe(MemberState)``.
        """
        return self.get_agenttype_vars_dataframe(MemberState)


def make_collector() -> AllianceDataCollector:
    """The collector of an :class:`~sim.abm.model.AllianceModel` (reporters: module docstring)."""
    return AllianceDataCollector(
        model_reporters={
            "quarter": "quarter",
            **{c: partial(_metric, column=c) for c in metrics.ALLIANCE_COLUMNS},
        },
        agenttype_reporters={
            MemberState: {"iso3": "iso3", **{c: c for c in metrics.MEMBER_COLUMNS}}
        },
    )
