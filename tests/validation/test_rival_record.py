"""The rival's record (sim.validation.rival_record): SIPRI's share and the dated output ranges,
and the budget shock derived from the share's year-on-year changes."""

import numpy as np
import pandas as pd
import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.ensemble import simulate
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.params import make_params
from sim.validation import rival_record


def test_the_share_is_sipris_for_the_rival():
    # seeds/panel/sipri_milex_share_gdp_1990_2024.csv, RUS: 4.1130 (2014), 7.0523 (2024); SIPRI
    # gives Russia from 1992
    share = rival_record.rival_share()
    assert share.index[0] == 1992 and share.index[-1] == 2024
    assert share[2014] == pytest.approx(4.1130) and share[2024] == pytest.approx(7.0523)
    seen = rival_record.observation("rival_defence_share_pct", 2024)
    assert seen.is_point and seen.middle == pytest.approx(7.0523)


def test_the_outputs_are_ranges_with_sources():
    for seen in rival_record.OUTPUT_RANGES:
        assert seen.low < seen.high and not seen.is_point
        assert seen.source_ids and all(i.startswith("S") for i in seen.source_ids)
    assert rival_record.observation("rival_munitions_output", 2019) is None
    with pytest.raises(ValueError, match="expected one of rival_defence_share_pct"):
        rival_record.observation("rival_output", 2024)


def test_the_change_sd_reads_nothing_after_its_year(monkeypatch):
    before = rival_record.annual_change_sd(2018)
    share = rival_record.rival_share()
    scrambled = share.where(share.index <= 2018, share * 3.0)
    monkeypatch.setattr(rival_record, "rival_share", lambda: scrambled)
    assert rival_record.annual_change_sd(2018) == before
    assert rival_record.annual_change_sd(2024) != pytest.approx(before)
    # by hand: the s.d. (ddof 1) of the 26 changes 1993-2018
    changes = np.diff(share.loc[:2018].to_numpy())
    assert len(changes) == 26 and before == pytest.approx(changes.std(ddof=1))


def test_the_noise_formula_limits():
    # speed 4 a year: each quarter starts afresh at its aim (phi = 0), quarters are independent,
    # annual means have variance sigma^2 / 4, their change 2 sigma^2 / 4: factor sqrt(1/2)
    assert rival_record.budget_noise_sd_pp(1.0, 4.0) == pytest.approx(np.sqrt(2.0))
    assert rival_record.budget_noise_sd_pp(0.0, 0.5) == 0.0
    # slower reversion: each quarter's shock lasts longer, so a smaller one gives the same change
    assert rival_record.budget_noise_sd_pp(1.0, 0.5) < rival_record.budget_noise_sd_pp(1.0, 1.0)
    for bad in ((1.0, 0.0), (1.0, 5.0), (-1.0, 0.5)):
        with pytest.raises(ValueError, match="expected a speed in"):
            rival_record.budget_noise_sd_pp(*bad)


def test_the_derived_shock_gives_the_records_annual_changes():
    # the backcast's rival in peace (no war, its budget never binds), 200 runs of 40 years: the
    # s.d. of its annual share's year-on-year changes is the target the shock was derived for.
    # Tolerance 5%: the s.d. estimated from 200 x 37 changes (autocorrelated at lag 1) has a
    # relative standard error near 1%.
    target = rival_record.annual_change_sd(2021)
    base = load_scenario(ROOT / "configs" / "backcast_2014.toml").params
    sd = rival_record.budget_noise_sd_pp(target, base.rival_budget_speed_per_year)
    assert base.rival_budget_noise_sd_pp == pytest.approx(sd, abs=0.005)  # the config's 0.33
    params = make_params(
        {"war_start_quarter": "", "rival_budget_noise_sd_pp": sd, "end_quarter": "2054Q4"},
        base=base,
    )
    traj = simulate([params] * 200, list(range(200)))
    share = traj.alliance[:, :, ALLIANCE_COLUMNS.index("rival_defence_share_pct")]
    years = pd.Index([int(q[:4]) for q in traj.quarters])
    annual = np.stack([share[:, years == y].mean(axis=1) for y in range(2016, 2055)], axis=1)
    assert np.diff(annual, axis=1).std() == pytest.approx(target, rel=0.05)
    headroom = traj.alliance[:, :, ALLIANCE_COLUMNS.index("rival_budget_headroom_pct")]
    assert headroom.min() > 0  # the budget never bound: the derivation's assumption holds
