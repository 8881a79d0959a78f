"""The target lines members and the alliance are judged by: 2% core, 3.5% core, 5% core + related.

This module owns the lines, declared once: their name (the suffix of the output columns, e.g.
``members_at_or_above_3_5pct``), their value (% of GDP), what they count (the core share, or the
core + related share of the Hague definition) and their labels. The metrics (the count
columns), the summaries, the run figure, the report's figures and tables and the web page are
built from :data:`TARGET_LINES`.

Sources: the Wales pledge of 2% core (2014) and the Hague declaration of 3.5% core plus 1.5%
related, 5% in all, by 2035 (S38).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetLine:
    """One target line.

    Attributes:
        name: the suffix of the output columns (``members_at_or_above_<name>``).
        value: the line, in % of GDP.
        counts_related: whether the line counts core + related spending (else core only).
        label: the line as shown ("3.5%").
    """

    name: str
    value: float
    counts_related: bool
    label: str

    @property
    def measure(self) -> str:
        """What the line counts, in words: "core" or "core + related"."""
        return "core + related" if self.counts_related else "core"

    @property
    def share_word(self) -> str:
        """One word for what the line counts, for short labels: "core" or "total"."""
        return "total" if self.counts_related else "core"

    @property
    def count_column(self) -> str:
        """The alliance column counting the members at or above the line."""
        return f"members_at_or_above_{self.name}"

    @property
    def alliance_column(self) -> str:
        """The alliance share compared with the line."""
        return "alliance_total_share_pct" if self.counts_related else "alliance_core_share_pct"


TARGET_LINES = (
    TargetLine("2pct", 2.0, False, "2%"),
    TargetLine("3_5pct", 3.5, False, "3.5%"),
    TargetLine("5pct", 5.0, True, "5%"),
)
"""The lines, lowest first."""
TARGETS = {line.name: line for line in TARGET_LINES}
"""The lines by name."""
COUNT_COLUMNS = tuple(line.count_column for line in TARGET_LINES)
"""The alliance columns counting members at or above each line."""
