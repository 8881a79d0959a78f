"""The model's invariants, declared once: each one's name, columns, bound and reason.

This module holds :data:`INVARIANTS` (checked in that order by ``sim.core.invariants``, whose
docstring explains the tolerance and the ``holds_if`` condition).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.metrics import ALLIANCE_COLUMNS, COUNT_COLUMNS, MEMBER_COLUMNS
from sim.core.params import PARAM_FIELDS

TOLERANCE = 1e-9
"""Slack of a bound, relative to max(1, |bound|): rounding, not model error."""
MEMBERS = "members"
"""An upper bound meaning 'the number of members of the run'."""


@dataclass(frozen=True)
class Invariant:
    """One invariant: every value of ``columns`` in ``table`` lies within the bounds.

    Attributes:
        name: a short name, used in messages.
        table: ``"alliance"`` (``sim.core.metrics.ALLIANCE_COLUMNS``) or ``"members"``
            (``sim.core.metrics.MEMBER_COLUMNS``).
        columns: the output columns the bound applies to, each on its own (or their sum when
            ``summed``).
        lower: the lowest allowed value (None: no lower bound).
        upper: the highest allowed value; :data:`MEMBERS` for the number of members (None: no
            upper bound).
        reason: why the bound must hold, in one line.
        lower_strict: the value must be strictly above ``lower``.
        summed: the bound applies to the sum of the columns (e.g. core + related share).
        holds_if: a boolean parameter the invariant depends on: runs where it is false are
            not checked ('' for none: it always holds).
    """

    name: str
    table: str
    columns: tuple[str, ...]
    lower: float | None
    upper: float | str | None
    reason: str
    lower_strict: bool = False
    summed: bool = False
    holds_if: str = ""

    def __post_init__(self) -> None:
        """Check the declaration (a typo in a column or parameter name fails on import)."""
        names = ALLIANCE_COLUMNS if self.table == "alliance" else MEMBER_COLUMNS
        unknown = [c for c in self.columns if c not in names]
        if self.table not in ("alliance", "members") or unknown:
            raise ValueError(
                f"invariant {self.name!r}: unknown table {self.table!r} or columns {unknown}"
            )
        if self.holds_if and PARAM_FIELDS[self.holds_if].type != "bool":
            raise ValueError(f"invariant {self.name!r}: {self.holds_if} is not a bool parameter")

    def expected(self) -> str:
        """The bound in words, e.g. 'a value in [0, 100]'."""
        if self.lower is None and self.upper is None:
            return "a finite value"
        if self.upper is None:
            return f"a value {'>' if self.lower_strict else '>='} {self.lower:g}"
        upper = "the number of members" if self.upper == MEMBERS else f"{self.upper:g}"
        if self.lower is None:
            return f"a value <= {upper}"
        return f"a value in {'(' if self.lower_strict else '['}{self.lower:g}, {upper}]"


_SHARES = (
    "alliance_core_share_pct",
    "alliance_related_share_pct",
    "alliance_total_share_pct",
    "median_core_share_pct",
)
_CAP = "cap_shares_at_gdp"

INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "finite",
        "alliance",
        ALLIANCE_COLUMNS,
        None,
        None,
        "every output is a number: NaN or infinity means a broken mechanism",
    ),
    Invariant(
        "finite",
        "members",
        MEMBER_COLUMNS,
        None,
        None,
        "every output is a number: NaN or infinity means a broken mechanism",
    ),
    Invariant(
        "share of GDP",
        "alliance",
        ("rival_defence_share_pct",),
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
    ),
    Invariant(
        "share of GDP",
        "alliance",
        _SHARES,
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
        holds_if=_CAP,
    ),
    Invariant(
        "share of GDP",
        "members",
        ("core_share_pct", "related_share_pct"),
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
        holds_if=_CAP,
    ),
    Invariant(
        "core + related share of GDP",
        "members",
        ("core_share_pct", "related_share_pct"),
        0.0,
        100.0,
        "a member cannot spend more than its GDP on defence and related spending together",
        summed=True,
        holds_if=_CAP,
    ),
    Invariant(
        "GDP",
        "alliance",
        ("alliance_gdp_usd_bn", "rival_gdp_usd_bn"),
        0.0,
        None,
        "an economy's output is positive",
        lower_strict=True,
    ),
    Invariant(
        "GDP",
        "members",
        ("gdp_usd_bn",),
        0.0,
        None,
        "an economy's output is positive",
        lower_strict=True,
    ),
    Invariant(
        "spending",
        "alliance",
        ("alliance_core_spending_usd_bn",),
        0.0,
        None,
        "spending is not negative",
    ),
    Invariant(
        "spending", "members", ("core_spending_usd_bn",), 0.0, None, "spending is not negative"
    ),
    Invariant(
        "output",
        "alliance",
        ("alliance_munitions_output", "rival_munitions_output"),
        0.0,
        None,
        "production is not negative",
    ),
    Invariant("output", "members", ("munitions_output",), 0.0, None, "production is not negative"),
    Invariant(
        "capacity",
        "members",
        ("munitions_capacity",),
        0.0,
        None,
        "a production line's capacity is not negative",
    ),
    Invariant(
        "capacity",
        "alliance",
        ("rival_munitions_capacity",),
        0.0,
        None,
        "a production line's capacity is not negative",
    ),
    Invariant(
        "stock",
        "alliance",
        ("rival_munitions_stock", "alliance_munitions_stock", "rival_reserves_usd_bn"),
        0.0,
        None,
        "a stock of rounds or of reserves is not negative: nothing is fired or spent that is "
        "not there",
    ),
    Invariant(
        "headroom",
        "alliance",
        ("rival_budget_headroom_pct",),
        0.0,
        None,
        "the rival never spends more than it can pay for (its budget cuts it to that)",
    ),
    Invariant(
        "stock",
        "alliance",
        ("air_defence_vs_2025",),
        0.0,
        None,
        "a capability (a stock of systems) is not negative",
    ),
    Invariant(
        "stock",
        "members",
        ("air_defence_vs_2025",),
        0.0,
        None,
        "a capability (a stock of systems) is not negative",
    ),
    Invariant(
        "ratio",
        "alliance",
        ("munitions_ratio",),
        0.0,
        None,
        "a ratio of two non-negative outputs is not negative",
    ),
    Invariant(
        "count",
        "alliance",
        COUNT_COLUMNS,
        0.0,
        MEMBERS,
        "a count of members lies between none and all of them",
    ),
    Invariant(
        "fraction",
        "members",
        ("peers_at_target",),
        0.0,
        1.0,
        "a fraction of peers lies between none and all of them",
    ),
    Invariant(
        "fraction",
        "alliance",
        ("burden_gini",),
        0.0,
        1.0,
        "a Gini coefficient of non-negative shares lies in [0, 1]",
    ),
    Invariant(
        "correlation",
        "alliance",
        ("burden_rank_correlation",),
        -1.0,
        1.0,
        "a rank correlation lies in [-1, 1]",
    ),
    Invariant(
        "threat",
        "members",
        ("threat", "threat_pp"),
        0.0,
        None,
        "a perceived threat and its effect on the desired share are not negative",
    ),
    Invariant(
        "threat",
        "alliance",
        ("mean_threat_pp",),
        0.0,
        None,
        "a perceived threat's effect on the desired share is not negative",
    ),
    Invariant(
        "pressure",
        "members",
        ("pressure_pp",),
        0.0,
        None,
        "pressure only ever pulls a member up toward the target path",
    ),
    Invariant(
        "pressure",
        "alliance",
        ("mean_pressure_pp",),
        0.0,
        None,
        "pressure only ever pulls a member up toward the target path",
    ),
)
"""Every invariant of the outputs, checked in this order (the first broken one is reported)."""
