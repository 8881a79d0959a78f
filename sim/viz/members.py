"""The web page's member views: a tile map of the 32 members, a member's card and a table.

The tile map places each member on a rough grid of North America and Europe
(:data:`TILE_GRID`) and colours it by its core defence share on a fixed, colour-blind-friendly
sequential scale (reversed viridis, 0-6% of GDP), so colours compare across quarters and
scenarios. Clicking a tile selects the member; its card (``sim.viz.member_card``) shows its
decision term by term, its commitments and its numbers.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify as v
import solara
import traitlets
from matplotlib import colormaps
from matplotlib.colors import to_hex

from sim.abm.model import AllianceModel
from sim.core.dynamics import member_terms
from sim.viz.member_card import member_facts as member_facts  # re-exported
from sim.viz.palette import SELECTED

TILE_GRID: dict[str, tuple[int, int]] = {
    "CAN": (0, 0),
    "USA": (1, 0),
    "ISL": (0, 2),
    "NOR": (0, 5),
    "SWE": (0, 6),
    "FIN": (0, 7),
    "GBR": (1, 3),
    "DNK": (1, 5),
    "EST": (1, 7),
    "BEL": (2, 3),
    "NLD": (2, 4),
    "DEU": (2, 5),
    "POL": (2, 6),
    "LVA": (2, 7),
    "FRA": (3, 3),
    "LUX": (3, 4),
    "CZE": (3, 5),
    "SVK": (3, 6),
    "LTU": (3, 7),
    "PRT": (4, 2),
    "ESP": (4, 3),
    "ITA": (4, 4),
    "SVN": (4, 5),
    "HUN": (4, 6),
    "ROU": (4, 7),
    "HRV": (5, 5),
    "MNE": (5, 6),
    "BGR": (5, 7),
    "TUR": (5, 8),
    "ALB": (6, 6),
    "MKD": (6, 7),
    "GRC": (7, 7),
}
"""(row, column) of each member's tile: a rough map, North America on the left."""
SCALE_MAX = 6.0
"""Core share (% GDP) at the dark end of the colour scale; higher shares get the darkest."""
_CMAP = colormaps["viridis_r"]
UNARMED = "#d9d9d9"
"""Tile colour of a member without armed forces (Iceland: no defence share)."""
TILE = 54


def share_color(share: float) -> str:
    """The tile colour of a core share (% of GDP), light (low) to dark (high)."""
    return to_hex(_CMAP(min(max(share, 0.0), SCALE_MAX) / SCALE_MAX))


def text_color(share: float) -> str:
    """Black or white, whichever reads better on the tile colour."""
    r, g, b, _ = _CMAP(min(max(share, 0.0), SCALE_MAX) / SCALE_MAX)
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#fff"


def tile_position(iso3: str, index: int) -> tuple[int, int]:
    """Grid position of a member (members missing from the map go in a row below it)."""
    return TILE_GRID.get(iso3, (9, index % 9))


@solara.component
def Legend():
    """The colour scale of the tiles, 0 to :data:`SCALE_MAX` % of GDP."""
    stops = ", ".join(share_color(SCALE_MAX * i / 10) for i in range(11))
    with solara.Column(gap="0px", style={"width": f"{9 * (TILE + 3)}px"}):
        solara.Text(
            "Core defence share, % of GDP (grey: no armed forces; outlined: selected)",
            style={"font-size": "0.8em"},
        )
        solara.v.Html(
            tag="div",
            style_=f"height: 12px; background: linear-gradient(to right, "
            f"{stops}); border: 1px solid #999;",
        )
        with solara.Row(justify="space-between"):
            for value in range(int(SCALE_MAX) + 1):
                label = f"{value}+" if value == int(SCALE_MAX) else str(value)
                solara.Text(label, style={"font-size": "0.75em"})


TILES_TEMPLATE = """
<template>
  <div class="viz-tile-grid" :style="'display: grid; grid-template-columns: repeat(' + columns
       + ', ' + size + 'px); grid-auto-rows: ' + (size - 10) + 'px; gap: 3px;'">
    <div v-for="t in tiles" :key="t.iso3" :title="t.title" @click="selected = t.iso3"
         :class="['viz-tile', 'viz-tile-' + t.iso3, t.iso3 === selected ? 'viz-tile-selected' : '']"
         :style="{gridRow: t.row, gridColumn: t.col, background: t.color, color: t.ink}">
      <b>{{ t.iso3 }}</b><br>{{ t.label }}
    </div>
  </div>
</template>
"""
TILES_CSS = """
.viz-tile { border-radius: 3px; font-size: 11px; line-height: 1.2; text-align: center;
            padding-top: 6px; cursor: pointer; user-select: none; }
.viz-tile:hover { filter: brightness(1.1); box-shadow: 0 0 0 1px #333; }
.viz-tile-selected { outline: 3px solid SELECTED_COLOUR; outline-offset: 1px; z-index: 1; }
""".replace("SELECTED_COLOUR", SELECTED)


class TilesWidget(v.VuetifyTemplate):
    """The tile map in the browser: one widget, so a quarter's update is one message."""

    template = traitlets.Unicode(TILES_TEMPLATE).tag(sync=True)
    tiles = traitlets.List([]).tag(sync=True)
    selected = traitlets.Any(None).tag(sync=True)
    """ISO3 code of the selected tile (Any: a crafted value selects nothing, it is no error)."""
    columns = traitlets.Int(9).tag(sync=True)
    size = traitlets.Int(TILE).tag(sync=True)


def tiles(model: AllianceModel) -> list[dict[str, Any]]:
    """One tile per member: grid position (1-based), colours, label and hover text."""
    out = []
    for agent in model.member_agents:
        share = agent.core_share_pct
        row, col = tile_position(agent.iso3, agent.index)
        if agent.armed:
            color, ink, label = share_color(share), text_color(share), f"{share:.1f}"
            title = f"{agent.name}: core {share:.2f}% of GDP"
        else:
            color, ink, label = UNARMED, "#000", "n/a"
            title = f"{agent.name}: no armed forces"
        out.append(
            {
                "iso3": agent.iso3,
                "row": row + 1,
                "col": col + 1,
                "color": color,
                "ink": ink,
                "label": label,
                "title": title,
            }
        )
    return out


@solara.component
def MemberTiles(model: AllianceModel, selected: solara.Reactive[str | None], tick: int):
    """The members as coloured tiles on a rough map; clicking one selects it.

    Args:
        model: the session's model.
        selected: ISO3 code of the selected member (None: none).
        tick: Mesa's ``update_counter`` value; a new value redraws the tiles.
    """
    with solara.Column(gap="6px", classes=["viz-tiles"]):
        solara.Style(TILES_CSS)
        TilesWidget.element(
            tiles=tiles(model),
            selected=selected.value,
            on_selected=selected.set,
            columns=9,
            size=TILE,
        )
        Legend()


_TABLE_HEAD: tuple[tuple[str, str], ...] = (
    ("name", "Member"),
    ("iso3", "ISO3"),
    ("region", "Region"),
    ("core_share_pct", "Core % GDP"),
    ("related_share_pct", "Related % GDP"),
    ("desired_core_share_pct", "Desired core %"),
)
_TABLE_TAIL: tuple[tuple[str, str], ...] = (("core_spending_usd_bn", "Core US$ bn"),)


def table_columns() -> tuple[tuple[str, str], ...]:
    """The table's (column, header) pairs: one per declared decision term after the shares."""
    terms = tuple((t.column, f"{t.label} pp") for t in member_terms())
    return (*_TABLE_HEAD, *terms, *_TABLE_TAIL)


def table_rows(model: AllianceModel) -> list[dict[str, Any]]:
    """One row per member for the table (numbers rounded for display), by descending share."""
    numeric = table_columns()[3:]
    rows = []
    for a in model.member_agents:
        row: dict[str, Any] = {"name": a.name, "iso3": a.iso3, "region": a.region}
        for column, _ in numeric:
            row[column] = round(getattr(a, column), 2)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["core_share_pct"])


@solara.component
def MemberTable(model: AllianceModel, tick: int):
    """The members in a table sorted by core share; click a header to sort by it (``tick``)."""
    headers = [
        {"text": label, "value": key, "align": "start" if i < 3 else "end"}
        for i, (key, label) in enumerate(table_columns())
    ]
    with solara.Column(classes=["viz-table"]):
        solara.v.DataTable(
            headers=headers,
            items=table_rows(model),
            item_key="iso3",
            sort_by=["core_share_pct"],
            sort_desc=[True],
            must_sort=True,
            items_per_page=-1,
            hide_default_footer=True,
            dense=True,
        )
