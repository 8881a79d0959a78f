"""The web page's rival card: its output, factories, stocks and budget, and ``explain()``.

The rival is an agent like the members (``sim.abm.rival_agent.Rival``); its card shows the
numbers of its state and the parts of the output it aims for, and the paragraph of
``Rival.explain()``, redrawn every quarter.
"""

from __future__ import annotations

import solara

from sim.abm.model import AllianceModel
from sim.abm.rival_agent import Rival


def rival_facts(rival: Rival) -> list[tuple[str, str]]:
    """The rival's current numbers and the parts of its aim, formatted."""
    d = rival.decision()
    return [
        ("Munitions output", f"{rival.munitions_output:.2f} M rounds/yr"),
        ("Aims for", f"{d['aim']:.2f} M rounds/yr"),
        ("  the war's consumption", f"{d['war_need']:.2f}" if rival.at_war else "at peace"),
        ("  closing its stock gap", f"{d['stock_gap']:.2f}"),
        ("  answering the alliance", f"{d['reaction']:.2f}"),
        ("  peacetime output", f"{d['baseline']:.2f}"),
        ("Capacity online", f"{rival.capacity:.2f} M rounds/yr"),
        ("In the pipeline", f"{max(rival.committed - rival.capacity, 0.0):.2f} M rounds/yr"),
        ("Stock", f"{rival.stock:.2f} M rounds (allies {rival.alliance_stock:.2f} M)"),
        ("Defence share", f"{rival.defence_share_pct:.2f}% of GDP"),
        ("Budget funds", f"{d['funded_share_pct']:.2f}% of GDP without a deficit"),
        ("Can pay for", f"{d['allowed_share_pct']:.2f}% of GDP this quarter"),
        ("Reserves", f"{rival.reserves_usd_bn:,.1f} US$ bn"),
        ("Debt", f"{rival.debt_pct:.1f}% of GDP"),
        ("GDP", f"{rival.gdp_usd_bn:,.0f} US$ bn"),
    ]


@solara.component
def RivalCard(model: AllianceModel, tick: int):
    """The rival's numbers and the explanation of its output (``tick``: redraw)."""
    with solara.Column(
        gap="4px", classes=["viz-rival-detail"], style={"min-width": "300px", "max-width": "420px"}
    ):
        solara.Text("The rival", style={"font-size": "1.2em", "font-weight": "600"})
        rows = "".join(
            f"<tr><td style='padding-right:12px;color:#555;white-space:pre'>{k}</td>"
            f"<td>{v}</td></tr>"
            for k, v in rival_facts(model.rival)
        )
        solara.HTML(tag="table", unsafe_innerHTML=rows, style="font-size: 0.9em;")
        solara.Text(
            model.rival.explain(),
            classes=["viz-rival-explain"],
            style={"font-size": "0.9em", "font-style": "italic"},
        )
