"""The NATO record 2014-2024 (issue 5, item 3; docs/THEORY.md §6 targets 6-7).

The backcast (configs/backcast_2014.toml, inheriting the calibrated configs/behaviour.toml through
configs/data/backcast_fitted.toml, which adds the fitted Crimea shock of 2014) is run for 50
replications (the issue's minimum) and compared with the record: NATO's Table 3, June 2024
edition, every ally and year 2014-2024 (seeds/panel/, ``sim.validation.hindcast.record``); every
target is the mean over replications, with a 90% band.
"""

import numpy as np
import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.validation import backcast

N_RUNS = 50  # issue 5: "the mean over at least 50 replications"
COUNT_TOLERANCE = 1.5
"""How far the mean count of allies at 2% may be from the data's in 2017, 2022 and 2023.

docs/THEORY.md §6 target 6 fixes a range only for 2024 (21-25), not for the other years, so this
is our choice, made for two reasons. The count is an integer statistic: 1.5 on the mean accepts one
member on the wrong side of the line (plus up to half a member of spread over replications) and
rejects two. And the data's own counts are uncertain by about one member: editions revise past
years (docs/VALIDATION.md, *The record*: up to 0.84 pp for 2023 between the July 2023 and June
2024 editions), and members sit within a few hundredths of the line, where a revision moves the
count. Stricter: whether the data lie in the model's 90% band (``backcast_targets.csv``).
"""


@pytest.fixture(scope="module")
def fit():
    scenario = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    return backcast.run_backcast(scenario.params, N_RUNS, scenario.seed)


@pytest.fixture(scope="module")
def targets(fit):
    return fit.targets().set_index("target")


def test_the_record_is_read_as_documented(fit):
    record = fit.record
    # counted from NATO's June 2024 table (PR/CP(2024)084, Table 3) with NATO's rule (two
    # decimals, allies of the year): its press release gives 3 allies in 2014 and 23 in 2024
    assert record.counts == {
        2014: 3,
        2015: 5,
        2016: 5,
        2017: 4,
        2018: 6,
        2019: 7,
        2020: 9,
        2021: 6,
        2022: 7,
        2023: 10,
        2024: 23,
    }
    armed = [c for c in record.iso3 if c != "ISL"]
    assert (record.shares.loc[armed, 2014] >= 2.0).sum() == 3  # US, GRC, GBR
    assert record.shares.loc[armed, list(range(2014, 2025))].notna().all().all()  # 341 values


def test_members_at_two_percent_in_2024(targets, fit):
    row = targets.loc["allies >= 2% in 2024"]
    assert 21 <= row["model"] <= 25  # docs/THEORY.md §6 target 6: pattern-level pass 21-25
    assert row["p05"] <= row["model"] <= row["p95"]  # a 90% band over replications
    assert row["p05"] <= 23 <= row["p95"]  # the data (23, June 2024 edition) lie in the band


def test_median_share_in_2024(targets):
    row = targets.loc["median share 2024 (pp)"]
    assert row["data"] == pytest.approx(2.110766)  # median 2024, June 2024 table, 31 allies
    assert abs(row["model"] - row["data"]) <= 0.15  # issue 5: within 0.15 pp


def test_highest_non_us_shares(fit, targets):
    data_top = fit.top_non_us(fit.record.shares[2024].reindex(list(fit.iso3)).fillna(0))
    assert data_top == {"POL", "EST", "LVA", "LTU", "GRC"}  # docs/THEORY.md §2.4 / §6 target 6
    assert targets.loc["top-5 non-US shares 2024 matched", "model"] >= 4  # target 6: >= 4 of 5


def test_the_start_is_the_2014_record(fit):
    j = fit.years.index(2014)
    counts = fit.counts[:, 0]
    assert (counts == 3).all()  # 3 allies at 2% in 2014 in every replication
    armed = [i for i, c in enumerate(fit.iso3) if c != "ISL"]
    # docs/THEORY.md §3.2: median 1.19 in 2014 (the model's 2014 is the mean of 2014Q3-Q4,
    # with noise)
    assert np.median(fit.shares[:, j, armed], axis=1).mean() == pytest.approx(1.19, abs=0.02)


@pytest.mark.parametrize("year", [2022, 2023])
def test_yearly_counts_follow_the_data(fit, year):
    # NATO's June 2024 table: 7 (2022), 10 (2023); the data lie in the model's 90% band
    j = backcast.COUNT_YEARS.index(year)
    lo, hi = np.quantile(fit.counts[:, j], [0.05, 0.95])
    assert lo - 0.5 <= fit.record.counts[year] <= hi + 0.5
    assert abs(fit.counts[:, j].mean() - fit.record.counts[year]) <= COUNT_TOLERANCE


def test_count_in_2017(fit):
    # NATO's June 2024 table: 4 in 2017 (USA, GRC, GBR, EST; Poland 1.89, Romania 1.73 there,
    # where the estimates of 2017 had them at 2.01 and 2.02)
    j = backcast.COUNT_YEARS.index(2017)
    assert fit.record.counts[2017] == 4
    assert abs(fit.counts[:, j].mean() - fit.record.counts[2017]) <= COUNT_TOLERANCE


def test_laggard_convergence_rate(targets):
    row = targets.loc["laggards' median gap-closing rate (1/yr)"]
    # docs/THEORY.md §3.3 / §6 target 7: ~0.04/yr (0.041 in the June 2024 table, below). The
    # tolerance is ours: 0.02/yr is the rate's change for a 0.1 pp error in a laggard's 2024
    # share (a gap of 1 pp closing to 0.6 pp: 1 - 0.6^0.1 = 0.050, to 0.5 pp: 0.067)
    assert abs(row["model"] - row["data"]) <= 0.02


def test_laggard_rates_of_the_data(fit):
    lag = fit.laggard_rates().set_index("iso3")
    # the 8 allies below 2% in 2024 in the June 2024 table (docs/THEORY.md §3.3)
    assert set(lag.index) == {"BEL", "CAN", "HRV", "ITA", "LUX", "PRT", "SVN", "ESP"}
    assert lag["rate_data"].median() == pytest.approx(0.0408, abs=0.0005)  # derived, §3.3 formula
    assert lag.loc["LUX", "rate_data"] == pytest.approx(0.081, abs=0.001)  # docs/THEORY.md: 0.080


def test_member_table_has_every_member_year_with_data(fit):
    table = fit.member_table().dropna(subset=["data"])
    table = table[table["year"] > 2014]
    assert len(table) == 310  # 31 allies in NATO's table x 10 years (2015-2024)
    assert (table["model_p05"] <= table["model_mean"]).all()
    assert (table["model_mean"] <= table["model_p95"]).all()


HOLDOUT = ROOT / "experiments" / "validation" / "holdout_2024"


@pytest.fixture(scope="module")
def holdout_fit():
    """The backcast with the calibration fitted to 2014-2023 only (2024 held out of the loss:
    ``python -m sim calibrate configs/backcast_2014.toml --holdout-year 2024 --out
    experiments/validation/holdout_2024/behaviour.toml``)."""
    from sim.validation.calibrate import fitted_backcast

    base = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    params = fitted_backcast(base.params, HOLDOUT / "behaviour_backcast.toml")
    return backcast.run_backcast(params, N_RUNS, base.seed)


def test_holdout_fit_left_2024_out():
    text = (HOLDOUT / "behaviour.toml").read_text()
    assert "--holdout-year 2024" in text and "Held out of the loss: 2024" in text
    assert "member_behaviour_file" in text  # the same model as the committed fit


def test_2024_out_of_sample_ranks(holdout_fit):
    """Fitted without any 2024 share, count or laggard rate, the model still puts the right
    members at the top in 2024."""
    t = holdout_fit.targets().set_index("target")
    assert t.loc["top-5 non-US shares 2024 matched", "model"] >= 4  # docs/THEORY.md §6 target 6


@pytest.mark.xfail(
    strict=True,
    reason="known miss: fitted to 2014-2023, the laggards close their gap at 0.077 a year in "
    "2024 against 0.041 in the data (0.079 with the pressure multipliers; 0.052 in the fit of "
    "the commit that dropped them, whose backcast rival still added a trace of threat): binding "
    "commitments lift laggards with ample fiscal space to the 2% line in 2024 "
    "(docs/VALIDATION.md, 'Out of sample')",
)
def test_2024_out_of_sample_laggards(holdout_fit):
    """Fitted to 2014-2023, the laggards close their gap in 2024 at the data's pace."""
    t = holdout_fit.targets().set_index("target")
    row = t.loc["laggards' median gap-closing rate (1/yr)"]
    assert abs(row["model"] - row["data"]) <= 0.02  # docs/THEORY.md §6 target 7: within 0.02 a year


@pytest.mark.xfail(
    strict=True,
    reason="known miss: fitted to 2014-2023, the model puts 25.9 allies at 2% in 2024 (record "
    "23, the test's range 21-25; the 2023 shares carried forward: 10), its median share 2.01% "
    "against 2.11%: commitments binding at the deadline lift the allies just under the line "
    "(docs/VALIDATION.md, 'Out of sample')",
)
def test_2024_count_out_of_sample(holdout_fit):
    t = holdout_fit.targets().set_index("target")
    assert 21 <= t.loc["allies >= 2% in 2024", "model"] <= 25  # docs/THEORY.md §6 target 6
    assert abs(t.loc["median share 2024 (pp)", "model"] - 2.110766) <= 0.15  # issue 5; June 2024
