"""The web page's colours: one colour per quantity, used by every plot.

This module owns :data:`QUANTITY_COLORS`, the single map from a plotted quantity (a column of
``sim.core.metrics.ALLIANCE_COLUMNS``) to its colour, so a colour means one thing across the
page's plots: the alliance's core share is the same blue wherever it appears and no other
quantity is drawn in it. The colours are the colour-blind-safe qualitative sets of Okabe & Ito
(2008) and Paul Tol (2021, "muted"), one each. Reference lines are grey (:data:`REFERENCE`),
sparklines a neutral ink (:data:`SPARK`), and the selected tile's outline black
(:data:`SELECTED`): none of them is a quantity's colour.
"""

from __future__ import annotations

QUANTITY_COLORS: dict[str, str] = {
    "alliance_core_share_pct": "#0072B2",  # Okabe-Ito blue
    "alliance_total_share_pct": "#56B4E9",  # Okabe-Ito sky blue
    "median_core_share_pct": "#332288",  # Tol indigo
    "members_at_or_above_2pct": "#E69F00",  # Okabe-Ito orange
    "members_at_or_above_3_5pct": "#009E73",  # Okabe-Ito bluish green
    "members_at_or_above_5pct": "#CC79A7",  # Okabe-Ito reddish purple
    "alliance_munitions_output": "#117733",  # Tol green
    "rival_munitions_output": "#D55E00",  # Okabe-Ito vermillion
    "munitions_ratio": "#882255",  # Tol wine
    "air_defence_vs_2025": "#44AA99",  # Tol teal
}
"""Quantity (output column) -> its colour on every plot of the page; each colour once."""
REFERENCE = "#666666"
"""Dashed reference lines (targets, goals) and their labels."""
SPARK = "#444444"
"""The member card's sparklines (each row names its term)."""
SELECTED = "#000000"
"""Outline of the selected member's tile."""


def color_of(column: str) -> str:
    """The colour of a quantity on every plot.

    Raises:
        KeyError: naming the column, when it has no colour yet (add it to
            :data:`QUANTITY_COLORS`, with a colour not used by any other quantity).
    """
    try:
        return QUANTITY_COLORS[column]
    except KeyError:
        raise KeyError(
            f"no colour for {column!r}: add it to sim.viz.palette.QUANTITY_COLORS"
        ) from None
