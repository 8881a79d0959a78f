"""The hindcast's scores and their summary, on forecasts whose scores follow from their values.

A synthetic record (built directly) and hand-made ensembles give scores known in advance (a
forecast that is the record, a point forecast, a band with the record on its edge); one test
checks persistence on the real record against the RMSE computed directly from NATO's table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.validation.hindcast import model
from sim.validation.hindcast.baselines import persistence
from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.record import PanelRecord
from sim.validation.hindcast.scores import (
    METHOD_ORDER,
    SCORE_COLUMNS,
    SUMMARY_COLUMNS,
    score,
    summarise,
)

YEARS = (2018, 2019, 2020, 2021)
ISO3 = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF")
SHARES = np.array(
    [
        [1.20, 2.10, 1.90, 0.90, 2.40, np.nan],
        [1.30, 2.00, 1.95, 1.00, 2.30, np.nan],
        [1.45, 1.99, 2.05, 1.10, 2.35, np.nan],
        [1.50, 2.20, 1.996, 1.20, np.nan, np.nan],
    ]
)
"""Six members: DDD joins in 2020, EEE has no 2021 figure, FFF (unarmed) none at all."""


def record() -> PanelRecord:
    """The synthetic record: allies since 1949 but DDD (2020); FFF has no armed forces."""
    return PanelRecord(
        ISO3,
        YEARS,
        SHARES.copy(),
        np.array([1949, 1949, 1949, 2020, 1949, 1949]),
        np.array([True, True, True, True, True, False]),
        "synthetic",
    )


def forecast(samples: np.ndarray, method: str = "test", origin: int = 2018) -> Forecast:
    """A forecast of 2019-2021 from 2018 with the given samples (S, 3, 6)."""
    return Forecast(method, origin, YEARS[1:], ISO3, samples)


def test_columns_and_member_years() -> None:
    truth = np.broadcast_to(SHARES[1:], (5, 3, 6)).copy()
    table = score(forecast(truth), record())
    assert tuple(table.columns) == SCORE_COLUMNS
    assert table["horizon"].tolist() == [1, 2, 3] and table["year"].tolist() == [2019, 2020, 2021]
    # 2019: AAA, BBB, CCC, EEE (DDD not yet an ally, FFF unarmed); 2020: DDD joins;
    # 2021: EEE has no figure
    assert table["member_years"].tolist() == [4, 5, 4]


def test_a_forecast_that_is_the_record_scores_perfectly() -> None:
    truth = np.broadcast_to(SHARES[1:], (7, 3, 6)).copy()  # every sample = the record
    table = score(forecast(truth), record())
    assert (table[["rmse_pp", "mae_pp", "crps_pp"]] == 0).all().all()
    assert (table[["coverage_50", "coverage_90"]] == 1).all().all()
    # the record's counts at 2% (two decimals, allies): 2019 BBB, EEE (CCC 1.95 is below);
    # 2020 CCC, EEE (BBB 1.99 below); 2021 BBB and CCC (1.996 rounds to 2.00)
    assert table["count_record"].tolist() == [2, 2, 2]
    assert table["count_median"].tolist() == [2.0, 2.0, 2.0]
    assert (table["count_error"] == 0).all() and table["count_in_90"].all()


def test_point_ensemble_crps_is_the_absolute_error() -> None:
    # CRPS identity: for a point forecast x, CRPS = E|X - y| - E|X - X'|/2 = |x - y|
    offsets = np.array([0.1, -0.3, 0.2, 0.05, -0.15, 0.0])
    point = np.broadcast_to(SHARES[1:] + offsets, (10, 3, 6)).copy()
    table = score(forecast(point), record())
    row = table.iloc[0]  # 2019: AAA, BBB, CCC, EEE, errors 0.1, -0.3, 0.2, -0.15
    errors = np.array([0.1, -0.3, 0.2, -0.15])
    assert row["crps_pp"] == pytest.approx(np.mean(np.abs(errors)), abs=1e-12)
    assert row["mae_pp"] == pytest.approx(np.mean(np.abs(errors)), abs=1e-12)
    assert row["rmse_pp"] == pytest.approx(np.sqrt(np.mean(errors**2)), abs=1e-12)
    assert (table["rmse_pp"] >= table["mae_pp"]).all()  # quadratic mean >= arithmetic mean
    # a point off the record covers nothing (the only zero offset is FFF's, never scored)
    assert (table[["coverage_50", "coverage_90"]] == 0).all().all()


def test_fair_crps_matches_its_formula_and_coverage_its_quantiles() -> None:
    rng = np.random.default_rng(3)
    samples = SHARES[1:] + rng.normal(0, 0.2, size=(40, 3, 6))
    table = score(forecast(samples), record())
    x, y = samples[:, 0, [0, 1, 2, 4]], SHARES[1, [0, 1, 2, 4]]  # 2019's scored members
    m = len(x)
    spread = np.abs(x[:, None, :] - x[None, :, :]).sum(axis=(0, 1)) / (2 * m * (m - 1))
    fair = np.abs(x - y).mean(axis=0) - spread  # Ferro (2014)'s fair estimator
    assert table["crps_pp"].iloc[0] == pytest.approx(fair.mean(), rel=1e-12)
    lo, hi = np.quantile(x, [0.05, 0.95], axis=0)
    assert table["coverage_90"].iloc[0] == np.mean((lo <= y) & (y <= hi))


def test_interval_bounds_are_inclusive() -> None:
    # 21 samples 0, 0.1, ..., 2.0 (pp) around the record: the 5% quantile is the second sample
    # (numpy's linear method: position 0.05 * 20 = 1), the 95% the twentieth
    steps = np.linspace(-1.0, 1.0, 21)
    samples = SHARES[1:][None] + steps[:, None, None]
    # 2019: the samples are record - 0.9 ... record + 0.1, the twentieth is the record itself
    samples[:, 0, :] = SHARES[1] + (steps - steps[19])[:, None]
    table = score(forecast(samples), record())
    assert table["coverage_90"].iloc[0] == 1.0  # on the 95% bound: inside
    assert table["coverage_50"].iloc[0] == 0.0  # 0.4 pp above the 75% bound (record - 0.4)
    assert table["coverage_90"].iloc[1] == 1.0  # 2020: the record is the middle sample


def test_counts_of_each_sample_by_nato_rule() -> None:
    # 2019, 20 samples: BBB at 1.996 (printed 2.00: counts) in 10, at 1.994 (1.99: does not)
    # in 10; EEE always at its record 2.30; CCC at 1.95
    samples = np.broadcast_to(SHARES[1:], (20, 3, 6)).copy()
    samples[:10, 0, 1] = 1.996
    samples[10:, 0, 1] = 1.994
    row = score(forecast(samples), record()).iloc[0]
    # counts: 2 (BBB, EEE) in 10 samples, 1 in 10: median 1.5; record 2 (BBB 2.00, EEE 2.30);
    # its 5%-95% range is 1 ... 2, so the record's 2 is inside
    assert row["count_record"] == 2 and row["count_median"] == 1.5
    assert row["count_error"] == -0.5 and row["count_in_90"]
    samples[:, 0, 1] = 1.5  # BBB below in every sample: counts all 1, range 1 ... 1
    row = score(forecast(samples), record()).iloc[0]
    assert row["count_median"] == 1.0 and not row["count_in_90"]


def test_members_are_matched_by_name() -> None:
    rng = np.random.default_rng(5)
    samples = SHARES[1:] + rng.normal(0, 0.2, size=(30, 3, 6))
    flipped = Forecast("test", 2018, YEARS[1:], ISO3[::-1], samples[:, :, ::-1])
    pd.testing.assert_frame_equal(score(flipped, record()), score(forecast(samples), record()))
    with pytest.raises(ValueError, match="are not the record's"):
        score(Forecast("test", 2018, YEARS[1:], ISO3[:5], samples[:, :, :5]), record())


def test_summary_pools_member_years() -> None:
    rows = pd.DataFrame(
        {
            "method": ["trend", "trend", "trend", "model"],
            "origin": [2016, 2017, 2016, 2016],
            "horizon": [1, 1, 2, 1],
            "year": [2017, 2018, 2018, 2017],
            "member_years": [1, 3, 2, 4],
            "rmse_pp": [1.0, 2.0, 0.5, 0.3],
            "mae_pp": [0.5, 1.0, 0.5, 0.2],
            "crps_pp": [0.2, 0.6, 0.4, 0.1],
            "coverage_50": [1.0, 0.0, 0.5, 0.5],
            "coverage_90": [1.0, 2 / 3, 1.0, 0.75],
            "count_record": [5, 6, 6, 5],
            "count_median": [4.0, 7.5, 6.0, 5.0],
            "count_error": [-1.0, 1.5, 0.0, 0.0],
            "count_in_90": [True, False, True, True],
        }
    )
    summary = summarise(rows)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    # the model first even when listed last; each method's horizons then "all"
    assert list(zip(summary["method"], summary["horizon"], strict=True)) == [
        ("model", "1"),
        ("model", "all"),
        ("trend", "1"),
        ("trend", "2"),
        ("trend", "all"),
    ]
    h1 = summary.iloc[2]
    # pooled RMSE: sqrt((1 * 1^2 + 3 * 2^2) / 4); MAE (1 * 0.5 + 3 * 1.0) / 4
    assert h1["rmse_pp"] == pytest.approx(np.sqrt(13 / 4))
    assert h1["mae_pp"] == pytest.approx(3.5 / 4)
    assert h1["crps_pp"] == pytest.approx((0.2 + 1.8) / 4)
    assert h1["coverage_90"] == pytest.approx((1 + 2) / 4)  # 3 of the 4 member-years covered
    assert h1["member_years"] == 4 and h1["forecasts"] == 2
    assert h1["count_mae"] == 1.25 and h1["count_bias"] == 0.25
    assert h1["count_coverage_90"] == 0.5
    everything = summary.iloc[4]  # trend, every horizon: 6 member-years
    assert everything["rmse_pp"] == pytest.approx(np.sqrt((1 + 12 + 2 * 0.25) / 6))
    assert everything["count_mae"] == pytest.approx(2.5 / 3)
    assert everything["forecasts"] == 3


def test_model_name_is_the_model_modules() -> None:
    assert METHOD_ORDER[0] == model.METHOD == "model"


def test_persistence_on_the_real_record_scores_as_computed_directly() -> None:
    real = PanelRecord.load()
    row = score(persistence(real, 2020, (1,)), real).iloc[0]
    before, after = real.year(2020), real.year(2021)
    use = real.allies(2021) & np.isfinite(before) & np.isfinite(after)
    # 32 members less Iceland (no armed forces), Finland (ally from 2023) and Sweden (2024)
    assert use.sum() == 29
    direct = np.sqrt(np.mean((after[use] - before[use]) ** 2))
    # persistence's median is the 2020 share (up to the centring's rounding, 1e-12)
    assert row["member_years"] == 29 and row["rmse_pp"] == pytest.approx(direct, abs=1e-12)
    assert row["count_record"] == real.count(after, 2021)


def test_member_scores_are_the_terms_score_pools():
    # persistence from 2020 on the real record: the per-ally table holds exactly the
    # member-years score() pools, and pooling it gives score()'s numbers back
    from sim.validation.hindcast.scores import member_scores

    record = PanelRecord.load()
    forecast = persistence(record, 2020, (1, 2))
    pooled = score(forecast, record).set_index("year")
    rows = member_scores(forecast, record)
    for year, own in rows.groupby("year"):
        assert len(own) == pooled.loc[year, "member_years"]
        assert np.sqrt(np.mean(own["error_pp"] ** 2)) == pytest.approx(pooled.loc[year, "rmse_pp"])
        assert own["crps_pp"].mean() == pytest.approx(pooled.loc[year, "crps_pp"])
        assert own["in_90"].mean() == pytest.approx(pooled.loc[year, "coverage_90"])
    # persistence's median is the 2020 value: the error is the change since 2020
    pol = rows[(rows["iso3"] == "POL") & (rows["year"] == 2022)].iloc[0]
    i = record.iso3.index("POL")
    assert pol["error_pp"] == pytest.approx(record.year(2020)[i] - record.year(2022)[i])
