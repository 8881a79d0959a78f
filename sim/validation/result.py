"""What a calibration found (:class:`CalibrationResult`) and which fitted values are the backcast's.

Shared by the search (``sim.validation.calibrate``) and the files written from its result
(``sim.validation.output``), so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.params import Params
from sim.validation.objective import Objective

BACKCAST_ONLY: tuple[str, ...] = ("start_threat_shock_size",)
"""Fitted parameters written to the backcast's own file, not to ``configs/behaviour.toml``.

They describe the backcast's history, not the members' behaviour: ``start_threat_shock_size``
is the threat of Crimea's annexation (Feb-Mar 2014), in force from the backcast's first step but
not yet in the 2014 shares it starts from. A forward scenario starts from the 2024 shares, which
already reflect that threat; inheriting the shock would add it a second time. So they go to
:data:`DEFAULT_BACKCAST_OUT` (inheriting ``configs/behaviour.toml``, inherited by
``configs/backcast_2014.toml``) and the forward scenarios keep their default, 0.
"""


@dataclass
class CalibrationResult:
    """What a calibration found."""

    objective: Objective
    x: np.ndarray
    params: Params
    loss: dict[str, float | np.ndarray]
    start_loss: float
    evaluations: int
    seconds: float
    identification: pd.DataFrame = field(default_factory=pd.DataFrame)
    directions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def region_table(self) -> pd.DataFrame:
        """The fitted multipliers, one row per region."""
        table = self.objective.multipliers(self.x)
        return pd.DataFrame(
            [
                {"region": r, "threat_multiplier": round(t, 4), "pressure_multiplier": round(p, 4)}
                for r, (t, p) in sorted(table.items())
            ]
        )

    @property
    def member_table(self) -> pd.DataFrame:
        """The fitted multipliers relative to the region, one row per armed member."""
        table = self.objective.multipliers(self.x, "member")
        return pd.DataFrame(
            [
                {"iso3": c, "threat_multiplier": round(t, 4), "pressure_multiplier": round(p, 4)}
                for c, (t, p) in table.items()
            ]
        )

    def fitted_values(self) -> dict[str, float]:
        """The pooled fitted values, rounded for the config (4 significant decimals)."""
        pairs = zip(self.objective.coords, self.x, strict=True)
        return {c.name: round(float(v), 4) for c, v in pairs if not c.log}
