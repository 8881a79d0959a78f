"""The rival as a Mesa agent: its output, factories, stocks and budget, and why it decided.

The numbers are the compiled state's (``sim.core.dynamics``); the decision's parts are computed
by the equations' own functions (``sim.core.dynamics.rival.rival_aim``,
``sim.core.dynamics.rival_budget``), so the card and ``explain()`` cannot drift from the model.
"""

from __future__ import annotations

import mesa

from sim.core.dynamics.rival import rival_aim, stock_gap
from sim.core.dynamics.rival_budget import allowed_share, funded_share
from sim.core.dynamics.war import war_need


class Rival(mesa.Agent):
    """The rival: its munitions output, factories, stocks, economy and budget."""

    def _state(self, name: str) -> float:
        return float(getattr(self.model.state, name)[0])

    @property
    def munitions_output(self) -> float:
        """Output, M rounds/yr."""
        return self._state("rival_output")

    @property
    def capacity(self) -> float:
        """Production capacity online, M rounds/yr."""
        return self._state("rival_capacity")

    @property
    def committed(self) -> float:
        """Capacity online plus on order, M rounds/yr (the rest is in its pipeline)."""
        return self._state("rival_committed")

    @property
    def stock(self) -> float:
        """Its stock of rounds, M."""
        return self._state("rival_stock")

    @property
    def alliance_stock(self) -> float:
        """The allies' stock of rounds, M (what its adequacy target compares with)."""
        return self._state("alliance_stock")

    @property
    def gdp_usd_bn(self) -> float:
        """GDP, US$ bn."""
        return self._state("rival_gdp_usd_bn")

    @property
    def defence_share_pct(self) -> float:
        """Defence spending, % of GDP."""
        return self._state("rival_defence_share_pct")

    @property
    def reserves_usd_bn(self) -> float:
        """Liquid reserves its deficits draw on first, US$ bn."""
        return self._state("rival_reserves_usd_bn")

    @property
    def debt_pct(self) -> float:
        """Government debt, % of GDP."""
        return self._state("rival_debt_pct")

    @property
    def target_ratio(self) -> float:
        """The ratio of its output to the alliance's it aims for on top of its needs (0: none)."""
        return self.model.params.rival_target_ratio

    @property
    def at_war(self) -> bool:
        """Whether the war lasts in the coming quarter."""
        return bool(self.model.static.war_on[self.model.state.k])

    def decision(self) -> dict[str, float]:
        """The parts of the output it aims for next quarter and what its budget allows.

        Keys: ``war_need`` (the rounds its war consumes), ``stock_gap`` (closing the gap to the
        stock it wants, a year's worth), ``reaction`` (``rival_target_ratio`` times the
        alliance's output), ``baseline``, ``aim`` (their sum), ``funded_share_pct`` (what its
        budget funds without a deficit) and ``allowed_share_pct`` (the most it can pay for,
        reserves and borrowing included), all per year.
        """
        model, p = self.model, self.model.params
        st, arrays, state = model.static.arrays, model.param_matrix, model.state
        k, allies = state.k, float(state.alliance_output[0])
        return {
            "war_need": float(war_need(st, arrays, 0, k)),
            "stock_gap": float(stock_gap(arrays, state, 0)),
            "reaction": p.rival_target_ratio * allies,
            "baseline": p.rival_output_baseline_m_per_year,
            "aim": float(rival_aim(st, arrays, state, 0, k, allies)),
            "funded_share_pct": float(funded_share(arrays, 0)),
            "allowed_share_pct": float(allowed_share(arrays, state, 0, self.gdp_usd_bn)),
        }

    def explain(self) -> str:
        """A one-paragraph account of the rival's output and what limits it."""
        d = self.decision()
        war = f"its war consumes {d['war_need']:.2f}M rounds a year" if self.at_war else "at peace"
        parts = [war]
        if d["stock_gap"] > 1e-9:
            parts.append(f"closing its stock gap to the allies' adds {d['stock_gap']:.2f}M")
        if d["reaction"] > 1e-9:
            parts.append(f"answering the alliance's output adds {d['reaction']:.2f}M")
        if d["baseline"]:
            parts.append(f"peacetime output {d['baseline']:.2f}M")
        limits = []
        if self.munitions_output >= self.capacity * (1 - 1e-9) and d["aim"] > self.capacity:
            limits.append(f"its factories ({self.capacity:.2f}M online)")
        if self.defence_share_pct >= d["allowed_share_pct"] - 1e-6:
            limits.append("its budget (reserves spent and borrowing exhausted, or its ceiling)")
        if limits:
            held = f"; held back by {' and '.join(limits)}"
        elif abs(self.munitions_output - d["aim"]) > 1e-6:
            held = "; moving toward it at its adjustment speed, within its ramp limit"
        else:
            held = ""
        return (
            f"The rival in {self.model.quarter}: output {self.munitions_output:.2f}M rounds a "
            f"year against an aim of {d['aim']:.2f}M ({'; '.join(parts)}){held}. Stock "
            f"{self.stock:.2f}M (the allies' {self.alliance_stock:.2f}M). Defence "
            f"{self.defence_share_pct:.2f}% of GDP; its budget funds {d['funded_share_pct']:.2f}% "
            f"without a deficit; reserves ${self.reserves_usd_bn:.1f} bn, debt "
            f"{self.debt_pct:.1f}% of GDP."
        )
