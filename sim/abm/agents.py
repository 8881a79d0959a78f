"""The Mesa agents: member states and the rival, as views onto the model's state arrays.

Agents own no dynamics: the equations live in ``sim.core.dynamics`` and the model advances all
agents at once. Each agent exposes its current state and the terms of its last decision, so a
user can ask a member why it chose its share (:meth:`MemberState.explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.core.dynamics import member_terms
from sim.core.dynamics.commitment import KEPT_EARLIER, commitment_line, earlier_line
from sim.core.dynamics.fiscal_room import fiscal_brake, fiscal_space
from sim.core.dynamics.retrenchment import retrenchment_cut
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
        """The terms of the member's last decision and what it led to.

        One ``{name}_pp`` entry (pp of GDP) per declared term (``sim.core.dynamics.member_terms``),
        then the desired and current core shares (% GDP) and the fraction of its regional peers
        at the target.
        """
        return {
            **{t.column: self._value(t.column) for t in member_terms()},
            "desired_core_share_pct": self._value("desired_core_share_pct"),
            "peers_at_target": self._value("peers_at_target"),
            "core_share_pct": self._value("core_share_pct"),
        }

    def commitment(self) -> dict[str, float | bool]:
        """The commitment in force and whether the member keeps it (``dynamics.commitment``).

        Keys: ``line_pct`` (the line in force now, % GDP, from ``commitment_line``: the target's
        once it binds, never below an earlier guideline's; 0 when none binds yet),
        ``target_line_pct`` (the target plus the margin), ``deadline_year``, ``kept`` (the
        member has decided to keep it this year: its share is floored at the line),
        ``earlier_line_pct`` (the line of its commitments other than the target's: the earlier
        guideline + margin, its national pledge path; 0: none), ``kept_earlier_only`` (it keeps
        only those: the target's line is beyond its means this year),
        ``binding`` (the mechanism is on: ``commitment_capacity_pp`` > 0), ``fiscal_space``
        (this year's, in (0, 1]: ``sim.core.fiscal``), ``affordable_pp`` (the largest rise to
        the line it makes in one budget: the capacity times its fiscal space) and
        ``rise_factor`` (what the fiscal brake leaves of a rise toward its desired share: its
        fiscal space to the power ``fiscal_brake``, 1 when the brake is off;
        ``sim.core.dynamics.fiscal_room``).
        """
        model, i = self.model, self.index
        k = model.state.k
        st, p = model.static.arrays, model.param_matrix
        capacity = float(model.params.commitment_capacity_pp)
        state = model.state
        share = float(state.core_share_pct[0, i])
        space = float(fiscal_space(st, p, state.fiscal_reference_pct, 0, k, i, share))
        t = float(model.static.times[k])
        kept = float(model.state.commitment_kept[0, i])
        return {
            "line_pct": float(
                commitment_line(st, p, model.constants, model.state.plan_start_pct, 0, i, t)
            ),
            "earlier_line_pct": float(earlier_line(st, p, 0, i, t)),
            "kept_earlier_only": kept == KEPT_EARLIER,
            "target_line_pct": float(model.constants.target_core_pct[0, i])
            + float(model.params.target_margin_pp),
            "deadline_year": int(model.params.target_deadline_year),
            "kept": kept > 0.0,
            "binding": capacity > 0.0,
            "fiscal_space": space,
            "affordable_pp": capacity * space,
            "rise_factor": float(fiscal_brake(st, p, state.fiscal_reference_pct, 0, k, i, share)),
        }

    def explain(self) -> str:
        """A one-paragraph account of the member's last choice, term by term, and its commitment."""
        d = self.decision()
        if not self.armed:
            return f"{self.name} has no armed forces: its core share is held at 0."
        return (
            f"{self.name} ({self.iso3}) in {self.model.quarter}: core share "
            f"{d['core_share_pct']:.2f}% of GDP, moving toward a desired "
            f"{d['desired_core_share_pct']:.2f}% = anchor {_terms_in_words(d)} "
            f"({100 * d['peers_at_target']:.0f}% of its {self.region} peers at the target)"
            f"{self._retrenchment_in_words()}. "
            f"{_commitment_in_words(self.commitment(), d['core_share_pct'])}"
            f"{_brake_in_words(self.commitment())}"
        )

    def _retrenchment_in_words(self) -> str:
        """', less X pp as the hegemon retrenches' when it does (``dynamics.retrenchment``)."""
        model = self.model
        t = float(model.static.times[model.state.k])
        cut = float(retrenchment_cut(model.static.arrays, model.param_matrix, 0, self.index, t))
        if cut <= 0.0:
            return ""
        return (
            f", less {cut:.2f} pp as it retrenches (since {model.params.hegemon_retrenchment_year})"
        )


def _brake_in_words(c: dict[str, float | bool]) -> str:
    """' Its fiscal space slows its rises to X% of ...' when the fiscal brake is on."""
    if c["rise_factor"] >= 1.0:
        return ""
    return (
        f" Its fiscal space ({c['fiscal_space']:.2f}) slows any rise toward its desired share to "
        f"{100 * c['rise_factor']:.0f}% of the partial adjustment's (the fiscal brake)."
    )


def _commitment_in_words(c: dict[str, float | bool], share: float) -> str:
    """The commitment's state in one sentence: kept, not yet due, unaffordable or not binding."""
    target, deadline, space = c["target_line_pct"], c["deadline_year"], c["fiscal_space"]
    line = c["line_pct"]
    room = f"fiscal space {space:.2f}"
    if not c["binding"]:
        return (
            f"Its commitment ({target:.2f}% by {deadline}) acts only through the pressure term "
            f"(commitment_capacity_pp is 0; {room})."
        )
    if line <= 0.0:
        return (
            f"Its commitment ({target:.2f}% by {deadline}) binds from {deadline}; until then it "
            f"acts through the pressure term ({room})."
        )
    if c["kept_earlier_only"]:
        return (
            f"The line in force, {line:.2f}% ({target:.2f}% by {deadline}), is beyond what one "
            f"budget can raise ({c['affordable_pp']:.2f} pp with {room}): it delays it and keeps "
            f"its earlier commitments (the guideline, its national pledge), its share held at or "
            f"above {c['earlier_line_pct']:.2f}%."
        )
    if c["kept"]:
        return f"It keeps its commitment: its share is held at or above {line:.2f}% ({room})."
    gap = line - share
    if gap <= 0:
        return f"It is above the line in force, {line:.2f}% ({target:.2f}% by {deadline}; {room})."
    return (
        f"It is {gap:.2f} pp short of the line in force, {line:.2f}% ({target:.2f}% by "
        f"{deadline}); with {room} it can raise at most {c['affordable_pp']:.2f} pp in one "
        "budget, so it "
        + ("keeps it at its next budget." if gap <= c["affordable_pp"] else "cannot keep it yet.")
    )


def _terms_in_words(decision: dict[str, float]) -> str:
    """The decision terms as a sum: '+ threat +0.12 pp - free riding 0.03 pp + pressure ...'.

    The terms that do not pull come first in registry order, then the pulling one (pressure),
    which is computed from their sum.
    """
    terms = member_terms()
    ordered = [t for t in terms if not t.pulls] + [t for t in terms if t.pulls]
    words = []
    for t in ordered:
        value = decision[t.column]
        if t.sign > 0:
            words.append(f"+ {t.label.lower()} {value:+.2f} pp")
        else:
            words.append(f"- {t.label.lower()} {value:.2f} pp")
    return " ".join(words)
