"""The Mesa agents: member states and the rival, as views onto the model's state arrays.

Agents own no dynamics: the equations live in ``sim.core.dynamics`` and the model advances all
agents at once. Each agent exposes its current state and the terms of its last decision, so a
user can ask a member why it chose its share (:meth:`MemberState.explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.core.metrics import MEMBER_COLUMNS

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel


class MemberState(mesa.Agent):
    """One member state of the alliance (a view onto row ``index`` of the member arrays)."""

    def __init__(self, model: AllianceModel, index: int) -> None:
        """Create the agent for member ``index`` of the model's member table."""
        super().__init__(model)
        self.index = index
        m = model.members
        self.iso3 = m.iso3[index]
        self.name = m.name[index]
        self.region = m.region[index]
        self.exposure = float(m.exposure[index])
        self.armed = bool(m.armed[index])

    def _value(self, column: str) -> float:
        return float(self.model.member_values[column][0, self.index])

    def __getattr__(self, column: str) -> float:
        """Read a member metric (``core_share_pct``, ``pressure_pp``, ...) from the model."""
        if column in MEMBER_COLUMNS:
            return self._value(column)
        raise AttributeError(column)

    def decision(self) -> dict[str, float]:
        """The terms of the member's last decision, in percentage points of GDP."""
        return {
            "threat_pp": self._value("threat_pp"),
            "pressure_pp": self._value("pressure_pp"),
            "free_riding_pp": self._value("free_riding_pp"),
            "desired_core_share_pct": self._value("desired_core_share_pct"),
            "peers_at_target": self._value("peers_at_target"),
            "core_share_pct": self._value("core_share_pct"),
        }

    def explain(self) -> str:
        """A one-paragraph account of the member's last choice."""
        d = self.decision()
        if not self.armed:
            return f"{self.name} has no armed forces: its core share is held at 0."
        return (
            f"{self.name} ({self.iso3}) in {self.model.quarter}: core share "
            f"{d['core_share_pct']:.2f}% of GDP, moving toward a desired "
            f"{d['desired_core_share_pct']:.2f}% = anchor + threat {d['threat_pp']:+.2f} pp "
            f"- free riding {d['free_riding_pp']:.2f} pp + pressure {d['pressure_pp']:+.2f} pp "
            f"({100 * d['peers_at_target']:.0f}% of its {self.region} peers at the target)."
        )


class Rival(mesa.Agent):
    """The rival: its munitions output, economy and defence share."""

    @property
    def munitions_output(self) -> float:
        """Output, M rounds/yr."""
        return float(self.model.state.rival_output[0])

    @property
    def gdp_usd_bn(self) -> float:
        """GDP, US$ bn."""
        return float(self.model.state.rival_gdp_usd_bn[0])

    @property
    def defence_share_pct(self) -> float:
        """Defence spending, % of GDP."""
        return float(self.model.state.rival_defence_share_pct[0])

    @property
    def target_ratio(self) -> float:
        """The ratio of its output to the alliance's that it aims for."""
        return self.model.params.rival_target_ratio
