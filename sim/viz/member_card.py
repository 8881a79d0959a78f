"""The web page's member card: every term of a member's decision, its commitments, its history.

This module owns what the card shows for the selected member:

- :func:`decision_rows`: its desired core share term by term, as the model sums it
  (``sim.core.dynamics.terms``): the anchor (its own level, ``Constants.anchor_pct``, which the
  initial shares rest on, and the largest term), each declared term with its sign
  (``MemberState.decision()``), the hegemon's retrenchment cut when there is one, and the sum;
- :func:`commitment_rows`: the commitments and exemptions that bind it: the alliance's target
  or its exemption from it (``Members.target_override_pct``: Spain's 2.1%), its national
  pledges (``Members.pledges``), the earlier guideline kept as a floor
  (``guideline_floor_pct``) and the commitment's state this year (``MemberState.commitment()``);
- a sparkline of each term over the quarters run so far, from the model's data collector
  (``AllianceModel.member_frame``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import solara

from sim.abm.agents import MemberState
from sim.abm.model import AllianceModel
from sim.core.dynamics import member_terms
from sim.core.dynamics.retrenchment import retrenchment_cut
from sim.viz.palette import SPARK

ANCHOR, DESIRED, RETRENCHMENT = "anchor", "desired_core_share_pct", "retrenchment"


def anchor_pct(agent: MemberState) -> float:
    """The member's anchor: its desired share before the decision terms (% GDP, constant)."""
    return float(agent.model.constants.anchor_pct[0, agent.index])


def _cut(agent: MemberState) -> float:
    model = agent.model
    t = float(model.static.times[model.state.k])
    return float(retrenchment_cut(model.static.arrays, model.param_matrix, 0, agent.index, t))


def decision_rows(agent: MemberState) -> list[tuple[str, str, float]]:
    """The desired core share term by term: (key, label, signed pp), then the sum.

    The terms add up to the desired share (``desired_core_share_pct``): anchor + each term
    times its sign - the retrenchment cut.
    """
    d = agent.decision()
    rows = [(ANCHOR, "Anchor (its own level)", anchor_pct(agent))]
    rows += [(t.column, t.label, t.contribution(d[t.column])) for t in member_terms()]
    cut = _cut(agent)
    if cut > 0:
        rows.append((RETRENCHMENT, "Retrenchment", -cut))
    rows.append((DESIRED, "Desired core share", d[DESIRED]))
    return rows


def largest_term(rows: list[tuple[str, str, float]]) -> str:
    """The key of the term with the largest effect (the sum left out)."""
    return max((r for r in rows if r[0] != DESIRED), key=lambda r: abs(r[2]))[0]


def commitment_rows(agent: MemberState) -> list[tuple[str, str]]:
    """The member's commitments and exemptions: (what, in words)."""
    model, i = agent.model, agent.index
    p, members = model.params, model.members
    override = members.target_override_pct
    rows = []
    target = f"{p.target_core_pct_gdp:g}% core"
    if p.target_related_pct_gdp > 0:
        target += f" + {p.target_related_pct_gdp:g}% related"
    if override is not None and not np.isnan(override[i]):
        rows.append(
            (
                "Exemption",
                f"commits to {override[i]:g}% core by {p.target_deadline_year}, in "
                f"place of the alliance's {target}",
            )
        )
    else:
        rows.append(("Alliance target", f"{target} by {p.target_deadline_year}"))
    for index, year, pct in members.pledges:
        if index == i:
            rows.append(("National pledge", f"{pct:g}% core by {int(year)}"))
    if p.guideline_floor_pct > 0:
        rows.append(
            (
                "Guideline floor",
                f"{p.guideline_floor_pct:g}% kept once met (+ {p.target_margin_pp:.2f} pp margin)",
            )
        )
    c = agent.commitment()
    rows.append(("This year", _commitment_state(c)))
    rows.append(("Fiscal space", f"{c['fiscal_space']:.2f} (1 = within 60% debt, 3% deficit)"))
    if c["rise_factor"] < 1.0:
        rows.append(("Fiscal brake", f"rises at {100 * c['rise_factor']:.0f}% of the adjustment's"))
    return rows


def _commitment_state(c: dict[str, float | bool]) -> str:
    """The commitment in force and its state, in a few words."""
    state = "kept (floor)" if c["kept"] else ("open" if c["binding"] else "pressure only")
    if c["kept_earlier_only"]:
        state = f"delayed; earlier commitments kept (floor {c['earlier_line_pct']:.2f}%)"
    now = f"line in force {c['line_pct']:.2f}%: " if c["line_pct"] > 0 else ""
    return f"{now}{state}"


def term_history(model: AllianceModel, agent: MemberState) -> dict[str, list[float]]:
    """Each decision row's values over the quarters run so far (signed as in the sum)."""
    frame = model.member_frame()
    rows = frame[frame["iso3"] == agent.iso3]
    n = len(rows)
    out = {ANCHOR: [anchor_pct(agent)] * n}
    for t in member_terms():
        out[t.column] = [t.contribution(v) for v in rows[t.column].to_numpy(dtype=float)]
    out[DESIRED] = rows[DESIRED].to_list()
    return out


def sparkline(values: list[float], width: int = 96, height: int = 18) -> str:
    """An inline SVG line of a series (scaled to its own range; a dot at the last value)."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    pts = [
        (round(2 + (width - 4) * k / n, 1), round(height - 2 - (height - 4) * (v - lo) / span, 1))
        for k, v in enumerate(values)
    ]
    path = " ".join(f"{x},{y}" for x, y in pts)
    x, y = pts[-1]
    return (
        f"<svg class='viz-spark' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<polyline points='{path}' fill='none' stroke='{SPARK}' stroke-width='1.2'/>"
        f"<circle cx='{x}' cy='{y}' r='1.8' fill='{SPARK}'/></svg>"
    )


def decision_table(agent: MemberState, history: dict[str, list[float]]) -> str:
    """The decision rows as HTML: label, value, sparkline; the largest term in bold."""
    rows = decision_rows(agent)
    largest = largest_term(rows)
    html = []
    for key, label, value in rows:
        strong = " style='font-weight:600'" if key in (largest, DESIRED) else ""
        note = " (largest)" if key == largest else ""
        unit = "%" if key in (ANCHOR, DESIRED) else " pp"
        shown = f"{value:.2f}{unit}" if key in (ANCHOR, DESIRED) else f"{value:+.2f}{unit}"
        html.append(
            f"<tr class='viz-term viz-term-{key}'{strong}><td>{label}{note}</td>"
            f"<td style='text-align:right;padding:0 8px'>{shown}</td>"
            f"<td>{sparkline(history.get(key, []))}</td></tr>"
        )
    return "".join(html)


def _rows_html(rows: list[tuple[str, str]], cls: str) -> str:
    return "".join(
        f"<tr class='{cls}'><td style='padding-right:10px;color:#555;vertical-align:top'>{k}</td>"
        f"<td>{v}</td></tr>"
        for k, v in rows
    )


def _facts_html(rows: list[tuple[str, str]]) -> str:
    """The numbers two to a line: name and value side by side."""
    return "".join(
        f"<div class='viz-fact'><span style='color:#555'>{k}</span> {v}</div>" for k, v in rows
    )


def state_rows(agent: MemberState) -> list[tuple[str, str]]:
    """The member's current numbers, formatted."""
    return [
        ("Region", agent.region),
        ("Core defence share", f"{agent.core_share_pct:.2f}% of GDP"),
        ("Related spending", f"{agent.related_share_pct:.2f}% of GDP"),
        ("GDP", f"{agent.gdp_usd_bn:,.0f} US$ bn"),
        ("Core spending", f"{agent.core_spending_usd_bn:,.1f} US$ bn"),
        ("Munitions output", f"{agent.munitions_output:.3f} M rounds/yr"),
        (
            "Air defence",
            f"{agent.air_defence_vs_2025:.2f} x start, {agent.air_defence_share_pct:.2f}% of GDP",
        ),
        ("Regional peers at target", f"{100 * agent.decision()['peers_at_target']:.0f}%"),
    ]


def member_facts(agent: MemberState) -> list[tuple[str, str]]:
    """The member's numbers, then each declared term's signed effect ('Threat term', '+0.12 pp')."""
    d = agent.decision()
    terms = [(f"{t.label} term", f"{t.contribution(d[t.column]):+.2f} pp") for t in member_terms()]
    return [*state_rows(agent), *terms]


def _heading(text: str) -> Any:
    return solara.Text(text, style={"font-size": "0.8em", "font-weight": "600", "color": "#333"})


@solara.component
def MemberCard(model: AllianceModel, selected: solara.Reactive[str | None], tick: int):
    """The selected member: its decision term by term with sparklines, commitments, numbers."""
    agent = next((a for a in model.member_agents if a.iso3 == selected.value), None)
    with solara.Column(gap="2px", classes=["viz-member-detail"]):
        if agent is None:
            solara.Text("Click a tile to see a member's numbers and its last decision.")
            return
        solara.Text(
            f"{agent.name} ({agent.iso3}), {model.quarter}",
            style={"font-size": "1.1em", "font-weight": "600"},
        )
        _heading("Its desired core share, term by term (sparkline: since the start)")
        solara.HTML(
            tag="table",
            unsafe_innerHTML=decision_table(agent, term_history(model, agent)),
            classes=["viz-decision"],
            style="font-size: 0.85em;",
        )
        _heading("Commitments and exemptions")
        solara.HTML(
            tag="table",
            unsafe_innerHTML=_rows_html(commitment_rows(agent), "viz-commitment"),
            classes=["viz-commitments"],
            style="font-size: 0.85em;",
        )
        _heading("Now")
        solara.HTML(
            tag="div", unsafe_innerHTML=_facts_html(state_rows(agent)), classes=["viz-facts"]
        )
        solara.Text(
            agent.explain(),
            classes=["viz-explain"],
            style={"font-size": "0.8em", "font-style": "italic"},
        )
