"""The rival on the hindcast's scoreboard: its spending and both sides' munitions output.

This module owns the rival's part of the rolling-origin hindcast (issue 16, item 2):

- :class:`RivalForecast`: an ensemble forecast, made at the end of an origin year, of the
  quantities of ``sim.validation.rival_record`` (the rival's share of GDP, its munitions output
  and the allies') for the years after it. The model's comes from the same runs as its forecast
  of the members' shares (``sim.validation.hindcast.model.forecast_with_rival``): the rival's
  state at the origin is the model's own (its backcast), not the record's.
- :func:`persistence`: the baseline, for the rival's share: SIPRI's share at the origin with the
  spread of its past h-year changes (every year SIPRI gives up to the origin), the same rule as
  the members' persistence (``sim.validation.hindcast.baselines.persistence``). For the outputs,
  whose record has no year before 2021, persistence is the range's midpoint at the origin where
  the record has one (2023 -> 2024), one value.
- :func:`score`: one row per method, origin, quantity and year with a record
  (:data:`RIVAL_SCORE_COLUMNS`): the median's error against the record (for a range, its
  distance to the range: 0 inside), the CRPS against a point record (``scoringrules``, the fair
  estimator; NaN against a range), and whether the 90% band reaches the record.

What the model may know at the origin is what it may know for the members: with
``scheduled_shocks=False`` a war that starts after the origin is left out of the forecast (the
hindcast forecasts from 2016-2021 do not know of 2022), as the threat shock is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.validation import rival_record
from sim.validation.hindcast import baselines
from sim.validation.rival_record import QUANTITIES, Observation

PERSISTENCE = "persistence"
"""The baseline's name, as the members' persistence is named."""

RIVAL_SCORE_COLUMNS = (
    "method",
    "origin",
    "horizon",
    "year",
    "quantity",
    "record_low",
    "record_high",
    "median",
    "error",
    "crps",
    "in_90",
)
"""The columns of :func:`score`: the method, the origin, the horizon, the year and the quantity
(``sim.validation.rival_record.QUANTITIES``); the record's range (equal bounds for a point); the
ensemble's median; its error (median - record, or the distance to the nearer bound of a range, 0
inside it; percent of GDP or M rounds a year); the CRPS against a point record (NaN for a range);
whether the ensemble's 5%-95% band reaches the record (overlaps the range)."""


@dataclass(frozen=True)
class RivalForecast:
    """An ensemble forecast of the rival's quantities made at the end of ``origin``.

    Attributes:
        method: ``model`` or ``persistence``.
        origin: the last year whose data the method saw.
        years: the forecast years, after the origin.
        samples: quantity -> (S, len(years)); only the quantities the method forecasts.
    """

    method: str
    origin: int
    years: tuple[int, ...]
    samples: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        """Check the quantities, the shapes and that the years follow the origin."""
        for quantity, x in self.samples.items():
            if quantity not in QUANTITIES:
                raise ValueError(f"{self.method}: unknown rival quantity {quantity!r}")
            if x.ndim != 2 or x.shape[1] != len(self.years):
                raise ValueError(
                    f"{self.method}: {quantity} of shape {x.shape}, expected (S, {len(self.years)})"
                )
        if any(y <= self.origin for y in self.years):
            raise ValueError(f"{self.method}: years {self.years} do not follow {self.origin}")


def persistence(origin: int, years: tuple[int, ...], n_samples: int = 200) -> RivalForecast:
    """No change from the record at the origin (see the module's docstring).

    Raises:
        ValueError: when SIPRI has no share for the rival at the origin.
    """
    share = rival_record.rival_share()
    known = share[share.index <= origin]
    if origin not in known.index:
        raise ValueError(f"rival persistence from {origin}: SIPRI has no share for that year")
    series = known.to_numpy()[:, None]
    columns = []
    for year in years:
        pool = baselines.pooled_changes(series, year - origin)
        changes = np.quantile(pool, baselines.quantile_levels(n_samples))
        columns.append(known[origin] + changes - np.median(changes))
    samples = {"rival_defence_share_pct": np.stack(columns, axis=1)}
    for quantity in QUANTITIES[1:]:
        at = rival_record.observation(quantity, origin)
        if at is not None:
            samples[quantity] = np.full((1, len(years)), at.middle)
    return RivalForecast(PERSISTENCE, origin, years, samples)


def score(forecast: RivalForecast) -> pd.DataFrame:
    """Score a rival forecast against the record, one row per quantity and year with a record."""
    rows = []
    for quantity, samples in forecast.samples.items():
        for i, year in enumerate(forecast.years):
            seen = rival_record.observation(quantity, year)
            if seen is None:
                continue
            head = {"method": forecast.method, "origin": forecast.origin}
            head |= {"horizon": year - forecast.origin, "year": year, "quantity": quantity}
            rows.append(head | _terms(samples[:, i], seen))
    return pd.DataFrame(rows, columns=list(RIVAL_SCORE_COLUMNS))


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Per method and quantity: the rows, the mean absolute error, the mean CRPS, the coverage."""
    grouped = scores.assign(abs_error=scores["error"].abs(), in_90=scores["in_90"].astype(float))
    return (
        grouped.groupby(["quantity", "method"], sort=True)
        .agg(
            forecasts=("year", "size"),
            mean_abs_error=("abs_error", "mean"),
            crps=("crps", "mean"),
            coverage_90=("in_90", "mean"),
        )
        .reset_index()
    )


def _terms(x: np.ndarray, seen: Observation) -> dict:
    """One quantity-year's terms: the record, the median, its error, the CRPS, the band's reach."""
    import scoringrules  # takes seconds (numba compiles on import): only when scoring

    median = float(np.median(x))
    if seen.is_point:
        error = median - seen.low
        estimator = "fair" if len(x) > 1 else "nrg"
        crps = float(scoringrules.crps_ensemble(seen.low, x, estimator=estimator, backend="numpy"))
    else:
        error = max(median - seen.high, 0.0) + min(median - seen.low, 0.0)
        crps = float("nan")
    q05, q95 = np.quantile(x, [0.05, 0.95])
    return {
        "record_low": seen.low,
        "record_high": seen.high,
        "median": median,
        "error": float(error),
        "crps": crps,
        "in_90": bool(q05 <= seen.high and seen.low <= q95),
    }
