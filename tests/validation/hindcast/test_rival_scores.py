"""The rival on the hindcast's scoreboard (sim.validation.hindcast.rival): persistence sees only
the years up to its origin, the scores measure distance to a point or a range, and the model's
forecast of the rival knows of a war only if it started by the origin."""

import numpy as np
import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.validation import rival_record
from sim.validation.calibrate import SMOKE_BUDGET
from sim.validation.hindcast import model, rival
from sim.validation.hindcast.record import PanelRecord


def test_persistence_carries_the_origins_share_and_reads_nothing_later(monkeypatch):
    f = rival.persistence(2018, (2019, 2020))
    x = f.samples["rival_defence_share_pct"]
    share = rival_record.rival_share()
    assert np.median(x, axis=0) == pytest.approx([share[2018]] * 2)
    assert x[:, 1].std() > x[:, 0].std()  # two-year changes spread wider than one-year ones
    assert set(f.samples) == {"rival_defence_share_pct"}  # no output record in 2018
    scrambled = share.where(share.index <= 2018, share + 2.0)
    monkeypatch.setattr(rival_record, "rival_share", lambda: scrambled)
    again = rival.persistence(2018, (2019, 2020)).samples["rival_defence_share_pct"]
    assert again.tobytes() == x.tobytes()


def test_persistence_carries_an_output_range_where_the_origin_has_one():
    f = rival.persistence(2023, (2024,))
    # the allies' 2023 range 0.5-1.0 M (rival_record.OUTPUT_RANGES): its midpoint, one value
    assert f.samples["alliance_munitions_output"].tolist() == [[0.75]]


@pytest.mark.parametrize(
    ("median", "error"),
    [(2.5, 0.0), (2.0, 0.0), (3.5, 0.5), (1.5, -0.5)],
)
def test_a_range_scores_the_distance_to_it(median, error):
    # the rival's 2024 output: 2-3 M rounds (rival_record.OUTPUT_RANGES)
    f = rival.RivalForecast(
        "model", 2023, (2024,), {"rival_munitions_output": np.full((5, 1), median)}
    )
    row = rival.score(f).iloc[0]
    assert row["record_low"] == 2.0 and row["record_high"] == 3.0
    assert row["error"] == pytest.approx(error)
    assert np.isnan(row["crps"])
    assert row["in_90"] == (error == 0.0)


def test_a_point_scores_the_crps_and_the_band():
    sipri = rival_record.rival_share()[2024]
    one = rival.RivalForecast(
        "model", 2023, (2024,), {"rival_defence_share_pct": np.full((1, 1), 6.0)}
    )
    row = rival.score(one).iloc[0]
    assert row["error"] == pytest.approx(6.0 - sipri)
    assert row["crps"] == pytest.approx(abs(6.0 - sipri))  # one sample: the absolute error
    wide = np.linspace(5.0, 9.0, 101).reshape(-1, 1)
    row = rival.score(rival.RivalForecast("m", 2023, (2024,), {"rival_defence_share_pct": wide}))
    assert bool(row.iloc[0]["in_90"])
    # CRPS of U(a, b) at y inside: E|X - y| - E|X - X'| / 2 = ((y - a)^2 + (b - y)^2) / (2 (b - a))
    # - (b - a) / 6; 101 evenly spaced members approximate the uniform to within 0.01
    a, b = 5.0, 9.0
    exact = ((sipri - a) ** 2 + (b - sipri) ** 2) / (2 * (b - a)) - (b - a) / 6
    assert row.iloc[0]["crps"] == pytest.approx(exact, abs=0.01)


def test_a_forecast_checks_its_shapes():
    with pytest.raises(ValueError, match="expected \\(S, 2\\)"):
        rival.RivalForecast("m", 2020, (2021, 2022), {"rival_defence_share_pct": np.ones((3, 1))})
    with pytest.raises(ValueError, match="unknown rival quantity"):
        rival.RivalForecast("m", 2020, (2021,), {"ratio": np.ones((3, 1))})


@pytest.fixture(scope="module")
def fit():
    backcast = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    return model.fit_until(backcast.params, PanelRecord.load(), 2021, backcast.seed, SMOKE_BUDGET)


def test_the_model_knows_of_the_war_only_from_its_start(fit):
    record = PanelRecord.load()
    blind, blind_rival = model.forecast_with_rival(fit, record, (1, 2, 3), 6, 1)
    told, told_rival = model.forecast_with_rival(fit, record, (1, 2, 3), 6, 1, True)
    # from 2021 the war of 2022 is not known: the rival stays at its peacetime 0.4 M rounds
    # (rival_output_baseline_m_per_year, S29); told of it, it reaches 2-3 M by 2024
    assert blind_rival.samples["rival_munitions_output"] == pytest.approx(0.4)
    assert 2.0 <= np.median(told_rival.samples["rival_munitions_output"][:, -1]) <= 3.0
    # the same runs as the members' forecast
    alone = model.forecast(fit, record, (1, 2, 3), 6, 1)
    assert alone.samples.tobytes() == blind.samples.tobytes()
    # the rival's band comes from its budget shock, derived from SIPRI up to 2021
    expected = rival_record.budget_noise_sd_pp(
        rival_record.annual_change_sd(2021), fit.params.rival_budget_speed_per_year
    )
    assert fit.params.rival_budget_noise_sd_pp == pytest.approx(expected)
    assert blind_rival.samples["rival_defence_share_pct"].std(axis=0).min() > 0
